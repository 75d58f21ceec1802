"""The few things the client library needs from where it runs: a clock, random bytes, a
place that survives a page reload, and a stream of Server-Sent Events.

In the browser: ``Date.now()``, ``crypto.getRandomValues``, ``sessionStorage`` and
``EventSource``. Under CPython (the desktop window, scripts, tests) the ``__pragma__
('skip')`` block below, which Transcrypt never sees, replaces them with ``time.monotonic()``,
``os.urandom`` and a dict in memory (a desktop window has no reload, and its tasks end with
its process), and says there is no event stream: the task follower long-polls there.
"""

from pyjamas import _browser

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


def event_stream_available():
    """True where Server-Sent Events can be read (a browser with ``EventSource``)."""
    return hasattr(window, "EventSource")


def url_quote(text):
    """``text`` escaped for a URL's query string."""
    return encodeURIComponent(text)


def open_event_stream(url, handler):
    """Read the Server-Sent Events of ``url`` (``GET``, cross-origin, no credentials):
    ``handler.onStreamEvent(name, value)`` for each event (``name`` "message" or the event's
    own, ``value`` its data parsed as JSON), ``handler.onStreamFailed()`` once if the
    connection fails or ends (the stream is closed then: EventSource would reconnect on its
    own schedule). Returns the stream, for ``close()``."""
    source = __new__(EventSource(url))

    def deliver(name, event):
        try:
            value = _browser.loads(event.data)
        except ValueError:
            value = None
        handler.onStreamEvent(name, value)

    def on_error(event):
        if hasattr(event, "data"):  # the server's "event: error" (a MessageEvent)
            deliver("error", event)
        else:  # the connection failed, or the server closed it
            source.close()
            handler.onStreamFailed()

    source.onmessage = lambda event: deliver("message", event)
    source.addEventListener("reconnect", lambda event: deliver("reconnect", event))
    source.addEventListener("error", on_error)
    return source


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


def event_stream_available():  # noqa: F811
    return False  # (the follower long-polls under CPython; open_event_stream is not called)


def url_quote(text):  # noqa: F811
    from urllib.parse import quote

    return quote(text, safe="")
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
