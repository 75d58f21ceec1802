"""flask_pyjamas: the library both examples build on, written once.

Server side (Flask): :mod:`.jsonrpc` (JSON-RPC 2.0, framework-free), :mod:`.cors` (the
origin policy), :mod:`.request` (the ``flask.Request`` subclass for ``application/json-rpc``),
:mod:`.rpc_http` (preflight, POST, error bodies), :mod:`.views` (view base classes),
:mod:`.settings` (every setting, read once), :mod:`.echo_methods` (the echo service),
:mod:`.openrpc` (the ``rpc.discover`` document).

Celery: :mod:`.celery_app` (Celery inside the Flask app), :mod:`.celery_tasks` (what the
tasks share), :mod:`.celery_rpc` (the JSON-RPC methods that start tasks and wait for them),
:mod:`.embedded_broker` (the broker that needs no server), :mod:`.task_slots` (the
cluster-wide cap on heavy tasks), :mod:`.result_expiry` (the workers' cleanup of expired
results), :mod:`.result_watcher` (one thread per process that wakes every waiting
request), :mod:`.result_store` (batch reads of task states), :mod:`.redis_notifier` (Redis
pub/sub for the watcher).

Production: :mod:`.gunicorn_config` (``gunicorn -c python:flask_pyjamas.gunicorn_config``).

Pages: :mod:`.client` (the page skeleton, compiled with the page), :mod:`.build` (the
``pyjsbuild`` command, with :mod:`.jsbundle`), :mod:`.page_server` and :mod:`.demo`
(one-command demos), :mod:`.scripts` (running an example's file as a script).

This module imports nothing, so scripts can import :mod:`.scripts` before anything else.
"""
