"""A widget that holds other widgets (Pyjamas' ``pyjamas.ui.Panel``)."""

from pyjamas.ui.Widget import Widget


class Panel(Widget):
    """Its children's elements are appended to its own, in the order added."""

    def __init__(self, element, styleName=None):
        Widget.__init__(self, element, styleName)
        self._children = []

    def add(self, widget):
        self._children.append(widget)
        self.element.appendChild(widget.getElement())

    def getChildren(self):
        return list(self._children)
