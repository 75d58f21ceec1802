"""``CeleryEchoView`` at ``/json_celery_class``: JSON-RPC methods that hand the work to Celery.

``celery_methods`` is the example's registry (:class:`flask_pyjamas.CeleryMethods`, whose
docs list the protocol and its errors): each task registered on it becomes a method that
starts it and answers at once with ``{"task_id"}``; ``get_result(task_id)`` gives the task's
state, and its result once it is done; ``cancel(task_id)`` stops it.

* ``count_primes(n)``: the primes below ``n``, a heavy task (``RPC_MAX_HEAVY_TASKS`` at once).
* ``echo``, ``reverse``, ``uppercase``, ``lowercase`` ``(text, countdown=None)``: the echo
  methods on a worker (``celery_echo``), after ``countdown`` seconds (``ECHO_COUNTDOWN`` by
  default, at most an hour); their results also come under ``"echo"``, which the 2012 page
  reads.

Your own task: one line, ``celery_methods.task(celery_tasks.your_task)``.
"""

import math

from flask import current_app

from flask_pyjamas import CeleryMethods, InvalidParams, JSONRPCView

from . import celery_tasks, primes

ECHO_METHODS = ("echo", "reverse", "uppercase", "lowercase")
MAX_COUNTDOWN = 3600.0  # seconds: an echo task waits at most an hour

celery_methods = CeleryMethods(title="Flask + Celery JSON-RPC service")


def check_n(n: int) -> None:
    """Refuse (-32602) an ``n`` the sieve would refuse, before a heavy slot is taken."""
    try:
        primes.check_n(n)
    except ValueError as exc:
        raise InvalidParams(data=str(exc)) from None


celery_methods.task(celery_tasks.count_primes, heavy=True, check=check_n)
celery_methods.result_alias(celery_tasks.celery_echo, "echo")


def echo_countdown(value) -> float:
    """The seconds an echo task waits: ``value`` (a number, at most an hour), or
    ``ECHO_COUNTDOWN`` when None; -32602 for anything else (a 310-digit number included)."""
    if value is None:
        return float(current_app.config["ECHO_COUNTDOWN"])
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidParams(data="countdown must be a number of seconds")
    try:
        seconds = float(value)
    except OverflowError:
        raise InvalidParams(data="countdown must be a number of seconds") from None
    if math.isnan(seconds):
        raise InvalidParams(data="countdown must be a number of seconds")
    return min(max(seconds, 0.0), MAX_COUNTDOWN)


def _echo_starter(method: str):
    def start(text: str, countdown=None, wait: float = 0, task_id: str | None = None) -> dict:
        return celery_methods.start_task(celery_tasks.celery_echo, (method, text),
                                         countdown=echo_countdown(countdown), wait=wait,
                                         task_id=task_id)

    start.__name__ = start.__qualname__ = method
    start.__doc__ = (
        f"Start ``celery_echo({method!r}, text)`` after ``countdown`` seconds "
        "(default ``ECHO_COUNTDOWN``, at most an hour): ``{\"task_id\"}``; with ``wait``, "
        "the answer of ``get_result(task_id, wait)``; ``task_id``: an id of the client's "
        "choice (a new random UUID)."
    )
    return start


# One starter per echo method: the worker runs the function of echo_methods.py.
for _method in ECHO_METHODS:
    celery_methods.method(_echo_starter(_method), name=_method)


class CeleryEchoView(JSONRPCView):
    """The Celery methods as a class-based view."""

    rpc_methods = celery_methods
