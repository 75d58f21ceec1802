"""A piece of HTML (Pyjamas' ``pyjamas.ui.HTML``)."""

from pyjamas import DOM
from pyjamas.ui.Widget import Widget


class HTML(Widget):
    """Shows ``html`` as markup. CSS class ``gwt-HTML``.

    The one widget that takes markup: give it the page's own constant markup only, never
    text from outside (the URL, an answer, what a user typed), which goes into a
    :class:`~pyjamas.ui.Label` or a button's text."""

    def __init__(self, html=""):
        Widget.__init__(self, DOM.createElement("div"), "gwt-HTML")
        self.setHTML(html)

    def setHTML(self, html):
        self.element.innerHTML = html

    def getHTML(self):
        return self.element.innerHTML
