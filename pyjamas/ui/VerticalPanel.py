"""Children one below the other (Pyjamas' ``pyjamas.ui.VerticalPanel``)."""

from pyjamas.ui.CellPanel import CellPanel


class VerticalPanel(CellPanel):
    """Lays its children out top to bottom. CSS class ``gwt-VerticalPanel``."""

    def __init__(self):
        CellPanel.__init__(self, "column", "gwt-VerticalPanel")
