"""A push button (Pyjamas' ``pyjamas.ui.Button``)."""

from pyjamas import DOM
from pyjamas.ui.Widget import Widget


class Button(Widget):
    """A button labelled ``text``; a click calls each listener's ``onClick(sender)`` (or the
    listener itself, if it is a function) with the button as ``sender``. CSS class
    ``gwt-Button``.

    The label is text, never markup, whatever it holds (Pyjamas' ``Button(html)`` took HTML:
    a label built from the page's URL or an answer would run the attacker's script). Only
    :meth:`setHTML` sets markup, for the page's own constant markup."""

    def __init__(self, text="", listener=None):
        Widget.__init__(self, DOM.createElement("button"), "gwt-Button")
        self.element.setAttribute("type", "button")  # never submits a form
        self.setText(text)
        self._listeners = []
        self.element.addEventListener("click", self._on_click)
        if listener is not None:
            self.addClickListener(listener)

    def setText(self, text):
        self.element.textContent = text

    def getText(self):
        return self.element.textContent

    def setHTML(self, html):
        """Markup as the label: the page's own constant markup only, never text from
        outside (the URL, an answer, what a user typed)."""
        self.element.innerHTML = html

    def getHTML(self):
        return self.element.innerHTML

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
