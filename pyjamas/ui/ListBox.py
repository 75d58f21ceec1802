"""A list of choices (Pyjamas' ``pyjamas.ui.ListBox``)."""

from pyjamas import DOM
from pyjamas.ui.Widget import Widget


class ListBox(Widget):
    """A ``<select>``: items have a text and a value (the text unless given). CSS class
    ``gwt-ListBox``."""

    def __init__(self):
        Widget.__init__(self, DOM.createElement("select"), "gwt-ListBox")
        self._items = []  # [text, value] pairs, in order

    def addItem(self, item, value=None):
        """Append an item; its value is ``item`` unless ``value`` is given."""
        if value is None:
            value = item
        option = DOM.createElement("option")
        option.textContent = item
        option.value = value
        self.element.appendChild(option)
        self._items.append([item, value])

    def getItemCount(self):
        return len(self._items)

    def getItemText(self, index):
        return self._items[index][0]

    def getValue(self, index):
        return self._items[index][1]

    def getSelectedIndex(self):
        """The index of the selected item, -1 if none."""
        return self.element.selectedIndex

    def setSelectedIndex(self, index):
        self.element.selectedIndex = index

    def setVisibleItemCount(self, count):
        """Rows shown at once (1: a drop-down list)."""
        self.element.setAttribute("size", str(count))

    def setName(self, name):
        self.element.setAttribute("name", name)
