"""The one way the tests wait: for a condition, never for a fixed time.

>>> wait_for(lambda: 42, what="the answer")
42
"""

import time


class WaitTimeout(AssertionError):
    """The condition did not hold in time: the message says what was awaited."""


def wait_for(condition, timeout: float = 30.0, what: str = "the condition",
             ignore: tuple[type[BaseException], ...] = (), interval: float = 0.01,
             max_interval: float = 0.2):
    """Call ``condition()`` until it returns something true, and return that.

    It is polled every ``interval`` s at first, then less often (up to ``max_interval``):
    quick when the condition is soon true, cheap on a loaded machine. An exception of a class
    in ``ignore`` counts as "not yet" (e.g. ``OSError`` from a server that is not listening
    yet); any other propagates at once (e.g. a process that died). Past ``timeout`` s,
    :class:`WaitTimeout` naming ``what``, caused by the last ignored exception if any.
    """
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = condition()
        except ignore as exc:
            value, last_error = None, exc
        if value:
            return value
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout} s waiting for {what}") from last_error
        time.sleep(interval)
        interval = min(interval * 1.5, max_interval)
