"""A panel laying its children out in a row or a column (Pyjamas' ``pyjamas.ui.CellPanel``)."""

from pyjamas import DOM
from pyjamas.ui.Panel import Panel


class CellPanel(Panel):
    """A flexbox ``<div>`` (Pyjamas used a table): ``direction`` is "row" or "column"."""

    def __init__(self, direction, styleName=None):
        Panel.__init__(self, DOM.createElement("div"), styleName)
        style = self.element.style
        style.display = "flex"
        style.flexDirection = direction
        style.alignItems = "center" if direction == "row" else "flex-start"

    def setSpacing(self, spacing):
        """Pixels between the children."""
        self.element.style.gap = str(spacing) + "px"
