"""A piece of HTML (Pyjamas' ``pyjamas.ui.HTML``)."""

from pyjamas import DOM
from pyjamas.ui.Widget import Widget


class HTML(Widget):
    """Shows ``html`` as markup: give it trusted text only. CSS class ``gwt-HTML``."""

    def __init__(self, html=""):
        Widget.__init__(self, DOM.createElement("div"), "gwt-HTML")
        self.setHTML(html)

    def setHTML(self, html):
        self.element.innerHTML = html

    def getHTML(self):
        return self.element.innerHTML
