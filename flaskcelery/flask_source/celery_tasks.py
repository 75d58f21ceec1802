"""The tasks Celery workers run.

They are ``shared_task`` objects: they belong to whichever Celery app ``create_app`` built, and run
inside its Flask app context (:func:`flask_pyjamas.tasks.celery_app.celery_init_app`).
"""

from celery import shared_task

from flask_pyjamas.tasks.records import count_primes_below, report_progress

from .echo_methods import echo_methods


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
    return count_primes_below(n, lambda current, total: report_progress(self, current, total))
