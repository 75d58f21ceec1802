"""Children side by side (Pyjamas' ``pyjamas.ui.HorizontalPanel``)."""

from pyjamas.ui.CellPanel import CellPanel


class HorizontalPanel(CellPanel):
    """Lays its children out left to right. CSS class ``gwt-HorizontalPanel``."""

    def __init__(self):
        CellPanel.__init__(self, "row", "gwt-HorizontalPanel")
