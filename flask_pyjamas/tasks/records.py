"""What the Celery tasks and the web server share: records about tasks, and the primes sieve.

The tasks themselves are defined by the example (``flaskcelery/flask_source/celery_tasks.py``)
as ``shared_task``\\ s, on top of these functions.

Two records beside a task's result, both kept in the result backend, so every web process
and every worker sees them (SQLite and Redis alike):

* **sent** (:func:`record_sent`): a ``SENT`` state stored under the task's id before the
  task is published. The backend answers ``PENDING`` for any id it has no record of, so the
  server can tell the two apart: it answers error -32004 (unknown task id) for an id with no
  record (never issued, or expired), and state ``PENDING`` to clients for a ``SENT`` one
  (issued, waiting for a worker).
* **cancel request** (:func:`request_cancel`): stored under an id derived from the task's,
  which the task itself never writes, so a running task's progress updates cannot overwrite
  it. A task checks it before it starts, and the primes count at every progress step
  (:func:`report_progress`).
"""

import uuid
from math import isqrt

from celery.exceptions import Ignore
from celery.states import REVOKED

SENT = "SENT"  # a custom state: issued by a web process, not yet started by a worker
PROGRESS = "PROGRESS"  # a custom state: running, with meta {"current", "total"}

MAX_PRIMES_N = 10**10  # about a minute and a half of work for one worker process
PRIMES_STEPS = 50  # progress updates of count_primes (more above 50 maximal segments)
_MIN_SEGMENT = 100_000
_MAX_SEGMENT = 10_000_000  # bytes of memory a segment takes

_CANCEL_NAMESPACE = uuid.UUID("6f1d2c4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f")


def record_sent(backend, task_id: str) -> None:
    """Record that ``task_id`` was issued (call it before publishing the task)."""
    backend.store_result(task_id, None, SENT)


def cancel_key(task_id: str) -> str:
    """The result-backend id under which a cancel request for ``task_id`` is stored."""
    return str(uuid.uuid5(_CANCEL_NAMESPACE, task_id))


def request_cancel(backend, task_id: str) -> None:
    """Ask workers to drop ``task_id``, or stop it at its next progress step, and mark it so."""
    backend.store_result(cancel_key(task_id), None, REVOKED)
    backend.mark_as_revoked(task_id, reason="cancelled")


def cancel_requested(backend, task_id: str) -> bool:
    """True once :func:`request_cancel` was called for ``task_id``."""
    return backend.get_task_meta(cancel_key(task_id))["status"] == REVOKED


def stop_if_cancelled(task) -> None:
    """In a running task: if it was cancelled, keep it ``REVOKED`` and stop it (``Ignore``)."""
    task_id = task.request.id
    if task_id and cancel_requested(task.backend, task_id):
        task.backend.mark_as_revoked(task_id, reason="cancelled", request=task.request)
        raise Ignore()


def report_progress(task, current: int, total: int) -> None:
    """In a running task: stop if it was cancelled, else store ``PROGRESS`` with
    ``{"current", "total"}``. Does nothing when the task is called directly (no task id)."""
    if task.request.id:
        stop_if_cancelled(task)
        task.update_state(state=PROGRESS, meta={"current": current, "total": total})


def count_primes_below(n: int, on_segment=None) -> int:
    """The number of primes below ``n``, by a segmented sieve of Eratosthenes.

    ``on_segment(current, total)`` is called after each segment (about ``PRIMES_STEPS``
    times) with the numbers sieved so far and ``n``. ``n`` outside ``0..MAX_PRIMES_N`` is a
    ``ValueError``.

    >>> count_primes_below(100)
    25
    """
    if not 0 <= n <= MAX_PRIMES_N:
        raise ValueError(f"n must be between 0 and {MAX_PRIMES_N}")
    base = _primes_below(isqrt(n) + 1)
    segment = min(max(_MIN_SEGMENT, -(-n // PRIMES_STEPS)), _MAX_SEGMENT)
    count = 0
    for low in range(2, n, segment):
        high = min(low + segment, n)
        count += _count_primes_between(low, high, base)
        if on_segment is not None:
            on_segment(high, n)
    return count


def _primes_below(n: int) -> list[int]:
    sieve = bytearray([1]) * n
    sieve[:2] = b"\0\0"[:n]
    for p in range(2, isqrt(n - 1) + 1 if n > 1 else 0):
        if sieve[p]:
            sieve[p * p :: p] = bytes(len(range(p * p, n, p)))
    return [i for i, is_prime in enumerate(sieve) if is_prime]


def _count_primes_between(low: int, high: int, base: list[int]) -> int:
    """Primes in ``low..high-1`` (``low`` ≥ 2), given every prime up to ``sqrt(high)``."""
    sieve = bytearray([1]) * (high - low)
    for p in base:
        if p * p >= high:
            break
        start = max(p * p, -(-low // p) * p)
        sieve[start - low :: p] = bytes(len(range(start, high, p)))
    return sieve.count(1)
