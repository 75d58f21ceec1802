"""The tasks Celery workers run: plain Celery.

They are ``shared_task`` objects: they belong to whichever Celery app ``create_app`` built, and
run inside its Flask app context. A task reports progress with Celery's own
``self.update_state(state="PROGRESS", meta={"current": ..., "total": ...})``; a cancelled
task stops there (the library's task class checks, see
:func:`flask_pyjamas.celery_init_app`). ``celery_views.py`` makes each a JSON-RPC method.
"""

from celery import shared_task

from .echo_methods import echo_methods
from .primes import count_primes_below


@shared_task(name="celery_echo")
def celery_echo(method: str, text: str) -> str:
    """Run the echo method ``method`` (echo, reverse, uppercase, lowercase) on ``text``.

    An unknown method fails the task with ``MethodNotFound`` (a message from another client).
    """
    return echo_methods.function(method)(text)


@shared_task(bind=True, name="count_primes")
def count_primes(self, n: int) -> int:
    """The number of primes below ``n`` (0..10**10), reporting ``PROGRESS`` with
    ``{"current", "total"}`` as it goes; a cancelled task stops at its next step."""

    def report(current: int, total: int) -> None:
        self.update_state(state="PROGRESS", meta={"current": current, "total": total})

    return count_primes_below(n, report if self.request.id else None)
