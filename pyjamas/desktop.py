"""A page module as a desktop application (the pyjd role), drawn with Tk.

A page module's ``if __name__ == "__main__":`` block calls :func:`run` between
``__pragma__ ('skip')`` and ``('noskip')``, so that ``python PAGE.py`` opens a window while
the browser build runs the page as before::

    python Flask_JSONRPC_CORS.py [--server URL] [--page-server URL]

``--server`` is the Flask server (default ``http://localhost:5000``, as the page's
``?server=``); ``--page-server`` is where the browser would load the page from (default
``http://localhost:8000``): the page's relative URLs, such as the "Python Service"
``services/EchoService.py``, go there. The window stays open until it is closed, or the
process gets Ctrl-C or SIGTERM.

Importing a page module (tests, scripts) opens nothing: its widgets stay headless stand-ins
(:mod:`pyjamas._python`). :func:`desktop_window` is the same window for a program (or a
test) that drives the event loop itself.
"""

import argparse
import re
import signal
import sys
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from pyjamas import _platform

DEFAULT_SERVER = "http://localhost:5000"
DEFAULT_PAGE_SERVER = "http://localhost:8000"

# Closed windows' roots, kept until the interpreter exits: Tcl aborts the process if an
# interpreter is deleted on another thread than its own, which happens when the last
# reference to a root (a widget, a timer handle, a page left in a reference cycle) goes with
# a garbage collection that some other thread (an HTTP request's) happened to start.
_closed_roots = []


def page_href(page_class, server=DEFAULT_SERVER, page_server=DEFAULT_PAGE_SERVER, **params):
    """The URL the browser would show for ``page_class``'s page on ``page_server`` with
    ``?server=`` (and the other ``params``), e.g.
    ``http://localhost:8000/Flask_JSONRPC_CORS.html?server=http%3A%2F%2Flocalhost%3A5000``."""
    module = sys.modules[page_class.__module__]
    name = Path(module.__file__).stem if getattr(module, "__file__", None) else page_class.__name__
    query = urllib.parse.urlencode({"server": server, **params})
    return page_server.rstrip("/") + "/" + name + ".html?" + query


def page_title(page_class):
    """The ``<title>`` of the page's HTML file (Pyjamas' layout: ``public/PAGE.html`` beside
    the page module), else the class name."""
    module = sys.modules[page_class.__module__]
    if getattr(module, "__file__", None):
        html = Path(module.__file__).parent / "public" / (Path(module.__file__).stem + ".html")
        if html.is_file():
            found = re.search(r"<title>\s*(.*?)\s*</title>", html.read_text(encoding="utf-8"),
                              re.DOTALL | re.IGNORECASE)
            if found:
                return found.group(1)
    return page_class.__name__


@contextmanager
def desktop_window(page_class, href):
    """Open a window showing ``page_class()`` loaded from ``href`` (its ``onModuleLoad``
    run with the Tk glue selected); yield the :class:`DesktopWindow`. On exit the window is
    destroyed and the headless glue selected again. Drive it from this thread only."""
    import tkinter

    from pyjamas._tk import TkPlatform

    root = tkinter.Tk(className=page_class.__name__)
    root.title(page_title(page_class))
    try:
        platform = TkPlatform(root, href)
        previous = _platform.select(platform)
        try:
            page = page_class()
            page.onModuleLoad()
            yield DesktopWindow(root, page, platform)
        finally:
            platform.close()
            _platform.select(previous)
    finally:
        root.destroy()
        _closed_roots.append(root)


class DesktopWindow:
    """A page in its window: ``root`` (the ``tkinter.Tk``), ``page`` (the page object) and
    ``platform`` (its :class:`pyjamas._tk.TkPlatform`)."""

    def __init__(self, root, page, platform):
        self.root, self.page, self.platform = root, page, platform

    def widget(self, element_id):
        """The Tk widget of the element with ``element_id`` (the page's DOM ids)."""
        element = self.platform.get_element_by_id(element_id)
        if element is None or element.widget() is None:
            raise LookupError("no element with id " + repr(element_id) + " on the window")
        return element.widget()


def argument_parser(prog):
    parser = argparse.ArgumentParser(prog=prog, description="The page as a desktop window.")
    parser.add_argument("--server", default=DEFAULT_SERVER,
                        help=f"the Flask server (default {DEFAULT_SERVER})")
    parser.add_argument("--page-server", default=DEFAULT_PAGE_SERVER,
                        help="where the page and its own echo service are served "
                             f"(default {DEFAULT_PAGE_SERVER})")
    return parser


def run(page_class, argv=None):
    """``python PAGE.py [--server URL] [--page-server URL]``: show the page in a window until
    it is closed. Returns the exit status (2: no window can be opened here)."""
    prog = "python " + Path(sys.argv[0]).name
    args = argument_parser(prog).parse_args(argv)
    try:
        import tkinter
    except ImportError as error:  # a Python built without Tk (Debian: apt-get install python3-tk)
        print(f"{prog}: no tkinter in this Python ({error})", file=sys.stderr)
        return 2
    href = page_href(page_class, args.server.rstrip("/"), args.page_server)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _close)
    try:
        with desktop_window(page_class, href) as window:
            window.root.protocol("WM_DELETE_WINDOW", window.root.quit)
            window.root.mainloop()
    except tkinter.TclError as error:  # no X server: DISPLAY unset or unreachable
        print(f"{prog}: cannot open a window ({error})", file=sys.stderr)
        return 2
    return 0


def _close(signum, frame):
    """Ctrl-C or SIGTERM: leave the event loop (Tk's mainloop checks for signals), close."""
    raise SystemExit(0)
