"""The page's window, as in Pyjamas' ``pyjamas.Window``: here only its location.

``Window.getLocation().getSearchVar("server")`` reads ``?server=...`` from the page URL.
"""

from pyjamas import _browser as _runtime

# __pragma__ ('skip')
from pyjamas._platform import glue as _runtime  # noqa: F811  (CPython)

# __pragma__ ('noskip')


class Location:
    """A URL and its parts (Pyjamas' ``pyjamas.Location``, read-only here)."""

    def __init__(self, href):
        self.href = href

    def getHref(self):
        """The whole URL."""
        return self.href

    def getSearch(self):
        """The query string with its ``?`` (or ``""``), without the ``#`` fragment."""
        start = self.href.find("?")
        if start < 0:
            return ""
        end = self.href.find("#", start)
        return self.href[start:] if end < 0 else self.href[start:end]

    def getSearchDict(self):
        """The query parameters as a dict of decoded strings (the last one of a name wins)."""
        params = {}
        for pair in self.getSearch()[1:].split("&"):
            if pair == "":
                continue
            equals = pair.find("=")
            if equals < 0:
                params[_runtime.unquote(pair)] = ""
            else:
                params[_runtime.unquote(pair[:equals])] = _runtime.unquote(pair[equals + 1:])
        return params

    def getSearchVar(self, key):
        """The decoded value of query parameter ``key``, or None."""
        params = self.getSearchDict()
        return params[key] if key in params else None


def getLocation():
    """The location of the page (under CPython: empty, unless
    :func:`pyjamas._python.set_location_href` set it)."""
    return Location(_runtime.location_href())
