"""Which failures a follower retries, and how long it waits before the next try.

A failure is *transient* when asking again later can succeed: no answer at all (HTTP 0: the
server is down or restarting), a proxy's 502, 503 or 504, and the server's own "try again"
errors, -32000 (broker unavailable), -32003 (result backend unavailable) and -32007 (too
many waiting requests). Anything else is *permanent*, -32001 (the task failed), -32004
(unknown or expired task id) and -32602 (invalid params) first among them: asking again
would get the same answer.

The delay before try ``n`` (0, 1, 2, ...) is capped exponential backoff with jitter::

    ceiling = min(cap_millis, base_millis * 2 ** n)
    delay   = ceiling / 2 + fraction * ceiling / 2      (fraction: random, 0 <= f < 1)

so it is never less than half the ceiling (no burst of tries) and never more than
``cap_millis`` (the page tries again within that long of the server's return). The jitter
spreads the pages that lost the same server over half the ceiling, so a restarted server is
not met by all of them at once. A server's ``data.retry_after`` (seconds) raises the delay.
"""

TRANSIENT_HTTP_STATUSES = [0, 502, 503, 504]
TRANSIENT_RPC_CODES = [-32000, -32003, -32007]


class RetryPolicy:
    """Capped exponential backoff with jitter (see the module's docstring).

    ``give_up_millis``: how long a task may stay unreachable before its follower gives up
    (0: never)."""

    def __init__(self, base_millis=250, cap_millis=1500, give_up_millis=600000):
        self.base_millis = base_millis
        self.cap_millis = cap_millis
        self.give_up_millis = give_up_millis

    def is_transient(self, code, error):
        """True if the failure ``onRemoteError(code, error, ...)`` reported is worth a retry:
        ``code`` is the HTTP status (0: no response, or a JSON-RPC error object), ``error``
        the error dict (``error["code"]`` the JSON-RPC code)."""
        if code != 0:
            return code in TRANSIENT_HTTP_STATUSES
        error_code = error["code"] if isinstance(error, dict) and "code" in error else 0
        return error_code == 0 or error_code in TRANSIENT_RPC_CODES

    def delay_millis(self, attempt, fraction, error=None):
        """The wait before retry number ``attempt`` (0 for the first), ``fraction`` a random
        number in [0, 1); at least the ``retry_after`` seconds in ``error["data"]``."""
        ceiling = self.base_millis * (2 ** min(attempt, 30))
        if ceiling > self.cap_millis:
            ceiling = self.cap_millis
        delay = ceiling / 2 + fraction * ceiling / 2
        after = retry_after_millis(error)
        if after > delay:
            delay = after
        return int(delay)

    def gives_up(self, failing_millis):
        """True once a task has been unreachable for ``failing_millis`` ms, too long."""
        return self.give_up_millis > 0 and failing_millis >= self.give_up_millis


def retry_after_millis(error):
    """``error["data"]["retry_after"]`` (seconds) in ms, or 0."""
    if not isinstance(error, dict) or not isinstance(error.get("data"), dict):
        return 0
    after = error["data"].get("retry_after")
    if after is None or after is True or after is False or isinstance(after, str):
        return 0
    try:
        seconds = float(after)
    except (TypeError, ValueError):
        return 0
    return seconds * 1000 if seconds > 0 else 0
