"""Desktop glue: the functions of :mod:`pyjamas._python`, for a page drawn in a Tk window.

Tk may only be called from the thread that runs its event loop, so every callback runs
there: HTTP answers come back on the request threads of :mod:`pyjamas._python` and are
handed to the loop through a queue that :meth:`TkPlatform.drain` empties every
:data:`DRAIN_MILLIS` ms (``after``); timers are ``after`` / ``after_cancel``. Elements are
:class:`pyjamas._tk_widgets.TkElement`, drawn in the window once added to the page.

The page's URL (``location_href``) is that of the page on its page server: relative URLs,
like the "Python Service" at ``services/EchoService.py``, are resolved against it, and
``?server=`` in it names the Flask server, as in the browser.
"""

import queue
import sys
import threading
import time
import urllib.parse

from pyjamas import _python
from pyjamas._tk_widgets import TkElement

DRAIN_MILLIS = 10  # how late, at most, an answer is shown after it arrived
NO_PAGE_SERVER = ("no page server answers at {origin} ({reason}): the page's own services "
                  "need one (start the demo, or give --page-server URL)")


class TkPlatform:
    """The glue for one window (``root``, a ``tkinter.Tk``), created on its thread; select
    it with :func:`pyjamas._platform.select`, and :meth:`close` it before the window."""

    parse_xml = staticmethod(_python.parse_xml)
    dumps = staticmethod(_python.dumps)
    loads = staticmethod(_python.loads)
    unquote = staticmethod(_python.unquote)

    def __init__(self, root, href=""):
        self.root = root
        self.href = href
        self.thread = threading.get_ident()
        self.calls = queue.SimpleQueue()  # (function, args) to run on the Tk thread
        self.body = TkElement("body")
        self.body.show(root).pack(fill="both", expand=True)
        self._drain_id = root.after(DRAIN_MILLIS, self.drain)

    def call_soon(self, function, *args):
        """From any thread: run ``function(*args)`` on the Tk thread, soon."""
        self.calls.put((function, args))

    def drain(self):
        """Run the calls handed over so far (on the Tk thread), then come back later."""
        self.run_calls()
        self._drain_id = self.root.after(DRAIN_MILLIS, self.drain)

    def run_calls(self):
        while True:
            try:
                function, args = self.calls.get_nowait()
            except queue.Empty:
                return
            try:
                function(*args)
            except Exception:  # a page's handler failed: report it, keep the window alive
                self.root.report_callback_exception(*sys.exc_info())

    def close(self):
        """Stop draining (before the window is destroyed)."""
        self.root.after_cancel(self._drain_id)

    # -- HTTP ----------------------------------------------------------------------------

    def send(self, method, url, data, headers, on_done):
        """As :func:`pyjamas._python.send`, with ``on_done`` called on the Tk thread and
        ``url`` resolved against the page's URL. Returns a :class:`PendingRequest`."""
        self._check_thread()
        url = urllib.parse.urljoin(self.href, url)
        request = PendingRequest()

        def answered(status, text, status_text):  # on the request's thread
            if status == 0 and _same_origin(url, self.href):
                status_text = NO_PAGE_SERVER.format(origin=_origin(self.href),
                                                    reason=status_text)
            self.call_soon(request.finish, on_done, status, text, status_text)

        _python.send(method, url, data, headers, answered)
        return request

    def is_pending(self, request):
        return not request.done

    def wait(self, requests, timeout=None):
        """On the Tk thread: run the event loop until every request's ``on_done`` has
        returned, or ``timeout`` seconds have passed. True if all have."""
        self._check_thread()
        deadline = None if timeout is None else time.monotonic() + timeout
        while any(not request.done for request in requests):
            if deadline is not None and time.monotonic() >= deadline:
                return False
            self.run_calls()
            self.root.update()
            time.sleep(0.002)  # (the answers come from other threads: let them run)
        return True

    # -- timers --------------------------------------------------------------------------

    def set_timeout(self, callback, millis):
        self._check_thread()
        return self.root.after(max(1, int(millis)), callback)

    def clear_timeout(self, handle):
        self._check_thread()
        self.root.after_cancel(handle)

    def set_interval(self, callback, millis):
        self._check_thread()
        return Repeating(self.root, callback, max(1, int(millis)))

    def clear_interval(self, handle):
        self._check_thread()
        handle.cancel()

    # -- the page ------------------------------------------------------------------------

    def create_element(self, tag):
        return TkElement(tag)

    def get_body(self):
        return self.body

    def get_element_by_id(self, element_id):
        return _python.find_element(self.body, element_id)

    def location_href(self):
        return self.href

    def _check_thread(self):
        if threading.get_ident() != self.thread:
            raise RuntimeError("the Tk glue was called from thread "
                               f"{threading.current_thread().name!r}, not the window's")


class PendingRequest:
    """A request in flight: ``done`` once its answer has been handled on the Tk thread."""

    def __init__(self):
        self.done = False

    def finish(self, on_done, *answer):
        try:
            on_done(*answer)
        finally:
            self.done = True


class Repeating:
    """``callback`` every ``millis`` ms on the Tk loop, until :meth:`cancel`."""

    def __init__(self, root, callback, millis):
        self.root, self.callback, self.millis = root, callback, millis
        self.after_id = root.after(millis, self.fire)

    def fire(self):
        # re-armed first: the callback may cancel it
        self.after_id = self.root.after(self.millis, self.fire)
        self.callback()

    def cancel(self):
        self.root.after_cancel(self.after_id)


def _origin(url):
    parts = urllib.parse.urlsplit(url)
    return parts.scheme + "://" + parts.netloc


def _same_origin(url, href):
    return bool(href) and _origin(url) == _origin(href)
