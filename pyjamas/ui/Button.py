"""A push button (Pyjamas' ``pyjamas.ui.Button``)."""

from pyjamas import DOM
from pyjamas.ui.Widget import Widget


class Button(Widget):
    """A button labelled ``html``; a click calls each listener's ``onClick(sender)`` (or the
    listener itself, if it is a function) with the button as ``sender``. CSS class
    ``gwt-Button``."""

    def __init__(self, html="", listener=None):
        Widget.__init__(self, DOM.createElement("button"), "gwt-Button")
        self.element.setAttribute("type", "button")  # never submits a form
        self.setHTML(html)
        self._listeners = []
        self.element.addEventListener("click", self._on_click)
        if listener is not None:
            self.addClickListener(listener)

    def setHTML(self, html):
        self.element.innerHTML = html

    def getHTML(self):
        return self.element.innerHTML

    def setText(self, text):
        self.element.textContent = text

    def getText(self):
        return self.element.textContent

    def addClickListener(self, listener):
        self._listeners.append(listener)

    def removeClickListener(self, listener):
        self._listeners.remove(listener)

    def _on_click(self, event=None):
        for listener in list(self._listeners):
            if hasattr(listener, "onClick"):
                listener.onClick(self)
            else:
                listener(self)
