"""The page itself as a panel (Pyjamas' ``pyjamas.ui.RootPanel``)."""

from pyjamas import DOM
from pyjamas.ui.Panel import Panel


class RootPanelCls(Panel):
    """A panel around an element that is already in the page."""


_root_panels = {}


def RootPanel(id=None):
    """The panel for ``<body>``, or for the element with ``id``; the same one each call.
    ``RootPanel().add(widget)`` puts a widget on the page."""
    key = "" if id is None else id
    if key not in _root_panels:
        element = DOM.getBodyElement() if id is None else DOM.getElementById(id)
        if element is None:
            raise ValueError("No element with id " + id)
        _root_panels[key] = RootPanelCls(element)
    return _root_panels[key]
