"""``CeleryEchoView`` at ``/json_celery_class``: JSON-RPC methods that hand the work to Celery.

``echo``, ``reverse``, ``uppercase``, ``lowercase`` and ``count_primes`` start a task and
answer at once with ``{"task_id"}``; ``get_result(task_id)`` gives the task's state, and its
result (``"echo"``) once it is done; ``cancel(task_id)`` stops it. The methods are
:data:`flask_pyjamas.tasks.methods.celery_methods` (their docs list the errors).
"""

from flask_pyjamas import JSONRPCView
from flask_pyjamas.tasks.methods import celery_methods


class CeleryEchoView(JSONRPCView):
    """The Celery methods as a class-based view."""

    rpc_methods = celery_methods
