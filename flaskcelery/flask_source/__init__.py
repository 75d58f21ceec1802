"""The Flask + Celery server of the flaskcelery example.

:mod:`.FlaskEchoApp`
    ``create_app()``: the flaskcors app plus Celery and ``/json_celery_class``
:mod:`.celeryconfig`
    Flask and Celery settings (broker, result backend, credentials from the environment)
:mod:`.celery_tasks`
    the tasks workers run
:mod:`.celery_views`
    ``CeleryEchoView``: start tasks, ask for their results, cancel them
:mod:`.manage_celery`
    the command line: ``runserver``, ``celeryd``, ``flower``
"""
