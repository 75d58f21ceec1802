"""Browser glue (Transcrypt only): XMLHttpRequest, timers, the DOM, JSON.

Importable by CPython (nothing runs at import), but its functions need a browser.
:mod:`pyjamas._python` has the same functions for CPython.
"""


def send(method, url, data, headers, on_done):
    """Start an asynchronous request; call ``on_done(status, text, status_text)`` when it
    ends. ``status`` is 0 when no response reached the page (network error, CORS refusal).
    Returns the XMLHttpRequest."""
    xhr = __new__(XMLHttpRequest())

    def on_ready_state_change():
        if xhr.readyState == 4:
            on_done(xhr.status, xhr.responseText, xhr.statusText)

    xhr.onreadystatechange = on_ready_state_change
    try:
        xhr.open(method, url, True)
        for name, value in headers.items():
            xhr.setRequestHeader(name, value)
        xhr.send(data)
    except:  # noqa: E722  (a JS error, e.g. a malformed URL, is no Python exception)
        raise ValueError("Cannot send a request to " + url) from None
    return xhr


def is_pending(request):
    """True while ``request`` (from :func:`send`) has no answer yet."""
    return request.readyState != 4


def wait(requests, timeout=None):
    """A page cannot block: True if every request has been answered already."""
    for request in requests:
        if is_pending(request):
            return False
    return True


def parse_xml(text):
    return __new__(DOMParser()).parseFromString(text, "application/xml")


def dumps(value):
    return JSON.stringify(value)


def loads(text):
    """Parse JSON into Python values: objects become dicts, arrays lists (JSON.parse alone
    gives plain JS objects, which ``isinstance(x, dict)`` and ``in`` do not recognise)."""
    try:
        value = JSON.parse(text)
    except:  # noqa: E722  (JSON.parse throws a JS SyntaxError, no Python exception)
        raise ValueError("Not JSON") from None
    return _to_python(value)


def _to_python(value):
    if Array.isArray(value):
        return [_to_python(item) for item in value]
    if value is not None and value.constructor == Object:
        result = {}
        for key in Object.js_keys(value):  # js_keys: Transcrypt renames keys to py_keys
            result[key] = _to_python(value[key])
        return result
    return value


def set_timeout(callback, millis):
    return window.setTimeout(callback, millis)


def clear_timeout(handle):
    window.clearTimeout(handle)


def set_interval(callback, millis):
    return window.setInterval(callback, millis)


def clear_interval(handle):
    window.clearInterval(handle)


def create_element(tag):
    return document.createElement(tag)


def get_body():
    return document.body


def get_element_by_id(element_id):
    return document.getElementById(element_id)


def location_href():
    return window.location.href


def unquote(text):
    return decodeURIComponent(text.replace("+", " "))
