"""The heavy computation of the example: count the primes below ``n``, in steps.

``celery_tasks.count_primes`` runs it on a worker and reports each step as progress.
"""

from math import isqrt

MAX_PRIMES_N = 10**10  # about a minute and a half of work for one worker process
PRIMES_STEPS = 50  # progress updates of count_primes (more above 50 maximal segments)
_MIN_SEGMENT = 100_000
_MAX_SEGMENT = 10_000_000  # bytes of memory a segment takes


def count_primes_below(n: int, on_segment=None) -> int:
    """The number of primes below ``n``, by a segmented sieve of Eratosthenes.

    ``on_segment(current, total)`` is called after each segment (about ``PRIMES_STEPS``
    times) with the numbers sieved so far and ``n``. ``n`` outside ``0..MAX_PRIMES_N`` is a
    ``ValueError``.

    >>> count_primes_below(100)
    25
    """
    check_n(n)
    base = _primes_below(isqrt(n) + 1)
    segment = min(max(_MIN_SEGMENT, -(-n // PRIMES_STEPS)), _MAX_SEGMENT)
    count = 0
    for low in range(2, n, segment):
        high = min(low + segment, n)
        count += _count_primes_between(low, high, base)
        if on_segment is not None:
            on_segment(high, n)
    return count


def check_n(n: int) -> None:
    """``ValueError`` unless ``0 <= n <= MAX_PRIMES_N``."""
    if not 0 <= n <= MAX_PRIMES_N:
        raise ValueError(f"n must be between 0 and {MAX_PRIMES_N}")


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
