"""A progress bar widget: a ``<progress>`` element and a caption, ``current / total``."""

from pyjamas import DOM
from pyjamas.ui.Label import Label
from pyjamas.ui.Widget import Widget


class ProgressBar(Widget):
    """How far a task has got. The bar's DOM id is ``element_id``, its caption's
    ``element_id + "-text"`` (``current / total``, ``done``, or empty)."""

    def __init__(self, element_id="progress"):
        Widget.__init__(self, DOM.createElement("div"), "progress")
        self.bar = DOM.createElement("progress")
        self.bar.id = element_id
        self.caption = Label()
        self.caption.setID(element_id + "-text")
        self.element.appendChild(self.bar)
        self.element.appendChild(self.caption.getElement())
        self.reset()

    def reset(self):
        """Back to empty: nothing done yet (a new task, or a cancelled one)."""
        self.bar.setAttribute("max", "1")
        self.bar.setAttribute("value", "0")
        self.caption.setText("")

    def setProgress(self, current, total):
        """``current`` of ``total`` done (numbers; ignored unless ``total`` > 0)."""
        if total is None or current is None or total <= 0:
            return
        self.bar.setAttribute("max", str(total))
        self.bar.setAttribute("value", str(current))
        self.caption.setText(str(current) + " / " + str(total))

    def setDone(self):
        """The task has finished: a full bar."""
        self.bar.setAttribute("max", "1")
        self.bar.setAttribute("value", "1")
        self.caption.setText("done")
