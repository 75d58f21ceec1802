"""The few things the client library needs from where it runs: a clock, random bytes, and
a place that survives a page reload.

In the browser: ``Date.now()``, ``crypto.getRandomValues`` and ``sessionStorage``. Under
CPython (the desktop window, scripts, tests) the ``__pragma__ ('skip')`` block below, which
Transcrypt never sees, replaces them with ``time.monotonic()``, ``os.urandom`` and a dict in
memory: a desktop window has no reload, and its tasks end with its process.
"""

HEX_DIGITS = "0123456789abcdef"


def now_millis():
    """Milliseconds on a clock that only goes forward."""
    return performance.now()


def random_bytes(count):
    """``count`` random numbers 0..255 from the platform's cryptographic generator."""
    values = __new__(Uint8Array(count))
    crypto.getRandomValues(values)
    return [values[i] for i in range(count)]


def session_get(key):
    """The text stored under ``key`` for this tab (``sessionStorage``), or None."""
    try:
        return window.sessionStorage.getItem(key)
    except:  # noqa: E722  (storage disabled by the browser: a JS error, no Python one)
        return None


def session_set(key, text):
    """Store ``text`` under ``key`` for this tab; None removes it."""
    try:
        if text is None:
            window.sessionStorage.removeItem(key)
        else:
            window.sessionStorage.setItem(key, text)
    except:  # noqa: E722
        pass


# __pragma__ ('skip')
import os  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

_session = {}
_session_lock = threading.Lock()


def now_millis():  # noqa: F811
    return time.monotonic() * 1000.0


def random_bytes(count):  # noqa: F811
    return list(os.urandom(count))


def session_get(key):  # noqa: F811
    with _session_lock:
        return _session.get(key)


def session_set(key, text):  # noqa: F811
    with _session_lock:
        if text is None:
            _session.pop(key, None)
        else:
            _session[key] = text
# __pragma__ ('noskip')


def new_task_id():
    """A fresh random UUID (version 4), e.g. ``"1b4e28ba-2fa1-4d2c-883f-0016d3cca427"``: the
    id a client chooses for a task it starts."""
    values = random_bytes(16)
    values[6] = (values[6] & 15) | 64  # version 4
    values[8] = (values[8] & 63) | 128  # the RFC 4122 variant
    digits = []
    for i in range(16):
        if i == 4 or i == 6 or i == 8 or i == 10:
            digits.append("-")
        digits.append(HEX_DIGITS[values[i] >> 4])
        digits.append(HEX_DIGITS[values[i] & 15])
    return "".join(digits)


def random_fraction():
    """A random number in [0, 1), for jitter."""
    values = random_bytes(2)
    return (values[0] * 256 + values[1]) / 65536
