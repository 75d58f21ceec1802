"""A multi-line text box (Pyjamas' ``pyjamas.ui.TextArea``)."""

from pyjamas import DOM
from pyjamas.ui.Widget import Widget


class TextArea(Widget):
    """An editable ``<textarea>``. CSS class ``gwt-TextArea``."""

    def __init__(self):
        Widget.__init__(self, DOM.createElement("textarea"), "gwt-TextArea")

    def setText(self, text):
        self.element.value = text

    def getText(self):
        return self.element.value

    def setCharacterWidth(self, width):
        """Width in characters (the ``cols`` attribute)."""
        self.element.setAttribute("cols", str(width))

    def setVisibleLines(self, lines):
        """Height in lines (the ``rows`` attribute)."""
        self.element.setAttribute("rows", str(lines))

    def setName(self, name):
        self.element.setAttribute("name", name)
