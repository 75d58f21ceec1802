"""What the page's URL says: ``?server=URL`` (the Flask server), numbers like ``?poll=MS``,
switches like ``?stream=0``.

The values come from outside: a page shows them with ``setText``, never as HTML.
"""

from pyjamas import Window

DEFAULT_SERVER = "http://localhost:5000"


def flask_server():
    """The Flask server's base URL: ``?server=URL``, else ``http://localhost:5000``; without
    a trailing ``/``."""
    server = Window.getLocation().getSearchVar("server")
    if server is None or server == "":
        server = DEFAULT_SERVER
    while server.endswith("/"):
        server = server[:-1]
    return server


def server_name(server):
    """``http://localhost:5000`` -> ``localhost:5000`` (for button labels)."""
    start = server.find("://")
    return server if start < 0 else server[start + 3:]


def search_millis(name, default):
    """``?NAME=MS`` as a positive whole number of milliseconds, else ``default`` (for
    example ``search_millis("poll", 0)``)."""
    text = Window.getLocation().getSearchVar(name)
    if text is None or len(text) == 0 or len(text) > 9:
        return default
    for char in text:
        if char not in "0123456789":
            return default
    millis = int(text)  # (at most 9 digits: within Transcrypt's 32-bit int())
    return millis if millis > 0 else default


def search_off(name):
    """True if the page's URL turns ``NAME`` off: ``?NAME=0`` (for example ``?stream=0``)."""
    return Window.getLocation().getSearchVar(name) == "0"
