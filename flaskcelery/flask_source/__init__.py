"""The Flask + Celery server of the flaskcelery example, in the seed's files.

:mod:`.FlaskEchoApp`
    ``create_app()``: the echo endpoints, Celery, and ``/json_celery_class``
:mod:`.views`, :mod:`.method_views`, :mod:`.requests`
    the echo view function, the class-based views, the request class (as in flaskcors)
:mod:`.celery_views`
    ``CeleryEchoView``: start tasks, ask for their results, cancel them
:mod:`.celery_tasks`
    the tasks workers run
:mod:`.celeryconfig`
    the Celery settings (broker, result backend, credentials from the environment)
:mod:`.manage_celery`
    the command line: ``runserver``, ``celeryd``, ``flower``

The logic behind them is the :mod:`flask_pyjamas` library's.
"""
