"""The few DOM operations the widgets need, as in Pyjamas' ``pyjamas.DOM``.

In a browser these are the page's elements; under CPython, stand-ins
(:class:`pyjamas._python.Element`) that keep what the widgets set on them.
"""

from pyjamas import _browser as _runtime

# __pragma__ ('skip')
from pyjamas._platform import glue as _runtime  # noqa: F811  (CPython)

# __pragma__ ('noskip')


def createElement(tag):
    """A new, detached element ``<tag>``."""
    return _runtime.create_element(tag)


def getBodyElement():
    """The page's ``<body>``."""
    return _runtime.get_body()


def getElementById(element_id):
    """The element with that id, or None."""
    return _runtime.get_element_by_id(element_id)
