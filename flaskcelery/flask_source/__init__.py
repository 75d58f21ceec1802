"""The Flask + Celery server of the flaskcelery example, in the seed's files.

``FlaskEchoApp.py``
    ``create_app()``: the echo endpoints, Celery, and ``/json_celery_class``
``views.py``, ``method_views.py``, ``requests.py``
    the echo view function, the class-based views, the request class (as in flaskcors)
``celery_views.py``
    ``celery_methods``, the app's tasks as JSON-RPC methods (a
    :class:`~flask_pyjamas.tasks.methods.CeleryMethods`), served by ``CeleryEchoView``:
    start tasks, ask for their results, cancel them
``celery_tasks.py``
    the tasks workers run (plain Celery), ``primes.py`` the sieve behind ``count_primes``
``celeryconfig.py``
    the Celery settings (broker, result backend, credentials from the environment) and the
    example's own ``ECHO_COUNTDOWN``
``manage_celery.py``
    the command line: ``runserver``, ``celeryd``, ``flower``

The logic behind them is the :mod:`flask_pyjamas` library's.
"""
