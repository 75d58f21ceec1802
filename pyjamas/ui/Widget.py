"""The base of every widget: an element and its style names (Pyjamas' UIObject and Widget)."""


class Widget:
    """Wraps one DOM element (under CPython, a stand-in that keeps what is set on it)."""

    def __init__(self, element, styleName=None):
        self.element = element
        if styleName is not None:
            self.setStyleName(styleName)

    def getElement(self):
        """The widget's element."""
        return self.element

    def setID(self, id):
        """Set the element's ``id`` (stable handles for CSS and browser tests)."""
        self.element.id = id

    def getID(self):
        return self.element.id

    def setStyleName(self, name):
        """Replace the element's CSS classes with ``name``."""
        self.element.className = name

    def addStyleName(self, name):
        """Add a CSS class."""
        self.element.className = (self.element.className + " " + name).strip()

    def getStyleName(self):
        return self.element.className
