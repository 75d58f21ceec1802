"""The Flask + Celery server of the flaskcelery example, in the seed's files.

:mod:`~flaskcelery.flask_source.FlaskEchoApp`
    ``create_app()``: the echo endpoints, Celery, and ``/json_celery_class``
:mod:`~flaskcelery.flask_source.views`, :mod:`~flaskcelery.flask_source.method_views`, :mod:`~flaskcelery.flask_source.requests`
    the echo view function, the class-based views, the request class (as in flaskcors)
:mod:`~flaskcelery.flask_source.celery_views`
    ``CeleryEchoView``: start tasks, ask for their results, cancel them
:mod:`~flaskcelery.flask_source.celery_tasks`
    the tasks workers run
:mod:`~flaskcelery.flask_source.celeryconfig`
    the Celery settings (broker, result backend, credentials from the environment)
:mod:`~flaskcelery.flask_source.manage_celery`
    the command line: ``runserver``, ``celeryd``, ``flower``

The logic behind them is the :mod:`flask_pyjamas` library's.
"""
