"""A line of plain text (Pyjamas' ``pyjamas.ui.Label``)."""

from pyjamas import DOM
from pyjamas.ui.Widget import Widget


class Label(Widget):
    """Shows ``text`` as text, never as HTML. CSS class ``gwt-Label``."""

    def __init__(self, text=""):
        Widget.__init__(self, DOM.createElement("div"), "gwt-Label")
        if text:  # as Pyjamas: a subclass's setText is not called for an empty label
            self.setText(text)

    def setText(self, text):
        self.element.textContent = text

    def getText(self):
        return self.element.textContent
