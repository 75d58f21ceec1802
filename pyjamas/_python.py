"""CPython glue: urllib in threads, threading timers, stand-in DOM elements, json.

Same functions as :mod:`pyjamas._browser`. Callbacks run on the request's or timer's own
thread, as asynchronously as in a browser.
"""

import http.client
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.dom.minidom
from types import SimpleNamespace

REQUEST_TIMEOUT = 60  # seconds; a browser would wait about as long


def send(method, url, data, headers, on_done):
    """Start the request on a daemon thread; call ``on_done(status, text, status_text)`` from
    it. ``status`` is 0 when no HTTP response came back (refused connection, bad URL).
    Returns the thread."""

    def fetch():
        body = None if data is None else data.encode("utf-8")
        request = urllib.request.Request(url, body, dict(headers), method=method)
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                result = (response.status, response.read().decode("utf-8"), response.reason)
        except urllib.error.HTTPError as error:  # a non-2xx answer: still an answer
            result = (error.code, error.read().decode("utf-8", "replace"), error.reason)
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as error:
            # (HTTPException: e.g. IncompleteRead, the server killed while it answered)
            result = (0, "", str(getattr(error, "reason", error)) or type(error).__name__)
        on_done(*result)

    thread = threading.Thread(target=fetch, name="pyjamas-http", daemon=True)
    thread.start()
    return thread


def is_pending(request):
    return request.is_alive()


def wait(requests, timeout=None):
    """Block until every request thread has finished (callbacks included), or ``timeout``
    seconds have passed in total. True if all have finished."""
    deadline = None if timeout is None else _now() + timeout
    for thread in requests:
        thread.join(None if deadline is None else max(0.0, deadline - _now()))
    return not any(thread.is_alive() for thread in requests)


def _now():
    return time.monotonic()


def parse_xml(text):
    return xml.dom.minidom.parseString(text)


def dumps(value):
    return json.dumps(value)


def loads(text):
    return json.loads(text)


def set_timeout(callback, millis):
    timer = threading.Timer(millis / 1000.0, callback)
    timer.daemon = True
    timer.start()
    return timer


def clear_timeout(handle):
    handle.cancel()


def set_interval(callback, millis):
    """Call ``callback`` every ``millis`` ms until :func:`clear_interval`; returns a handle."""
    stopped = threading.Event()

    def repeat():
        while not stopped.wait(millis / 1000.0):
            callback()

    threading.Thread(target=repeat, name="pyjamas-interval", daemon=True).start()
    return stopped


def clear_interval(handle):
    handle.set()


class Element:
    """Stand-in for a DOM element: the attributes and children the widgets set, and click
    listeners that :meth:`click` calls, so app logic can be exercised without a browser."""

    def __init__(self, tag):
        self.tagName = tag.upper()
        self.id = ""
        self.className = ""
        self.textContent = ""
        self.innerHTML = ""
        self.value = ""
        self.selectedIndex = -1
        self.style = SimpleNamespace()
        self.attributes = {}
        self.children = []
        self._listeners = []

    def setAttribute(self, name, value):
        self.attributes[name] = str(value)

    def getAttribute(self, name):
        return self.attributes.get(name)

    def appendChild(self, child):
        self.children.append(child)
        return child

    def addEventListener(self, event, callback):
        self._listeners.append((event, callback))

    def click(self):
        for event, callback in list(self._listeners):
            if event == "click":
                callback(SimpleNamespace(type="click", target=self))


_body = Element("body")
_location = {"href": ""}


def create_element(tag):
    return Element(tag)


def get_body():
    return _body


def get_element_by_id(element_id):
    return find_element(_body, element_id)


def find_element(root, element_id):
    """The element with ``element_id`` in the tree under ``root`` (itself included), or None."""
    pending = [root]
    while pending:
        element = pending.pop()
        if element.id == element_id:
            return element
        pending.extend(element.children)
    return None


def location_href():
    """The page URL: empty under CPython unless :func:`set_location_href` set one."""
    return _location["href"]


def set_location_href(href):
    """CPython only: pretend the page was loaded from ``href`` (e.g. to test ``?server=``)."""
    _location["href"] = href


def unquote(text):
    return urllib.parse.unquote_plus(text)
