"""The flaskcelery page: echo text through Flask, or through a Celery worker that Flask hands
the work to, and watch a timer poll for the worker's answer.

The Pyjamas original (``examples/flaskexamples/flaskcelery``) kept the flaskcors page and
added one button, "Send to a Celery worker via a Flask methodview": the server answers at once
with a task id, and the status line, a :class:`LabelTimer`, asks ``get_result`` every second
until the worker's echo is there. This page builds on the page skeleton both examples share
(:class:`flask_pyjamas.client.echo_page.JSONRPCExample`: the layout, the clicks, the error
texts, ``?server=``), and adds a heavy task (counting primes) whose progress the same polling
shows in a progress bar.

Page parameters: ``?server=URL`` (the Flask server, default ``http://localhost:5000``) and
``?poll=MS`` (the polling period, default 1000 ms). Compiled by ``./build.sh``; ``python
FLASKCELERYExample.py [--server URL] [--page-server URL]`` opens it as a desktop window.
"""

# __pragma__ ('kwargs')

from flask_pyjamas.client.echo_page import (
    INFO_HTML,
    METHODS,
    JSONRPCExample,
    flask_server,
    remote_error_text,
)
from pyjamas import DOM, Window
from pyjamas.JSONService import JSONProxy
from pyjamas.Timer import Timer
from pyjamas.ui.Button import Button
from pyjamas.ui.HorizontalPanel import HorizontalPanel
from pyjamas.ui.HTML import HTML
from pyjamas.ui.Label import Label
from pyjamas.ui.ListBox import ListBox
from pyjamas.ui.Widget import Widget

DEFAULT_POLL_MILLIS = 1000
CELERY_METHODS = ["get_result", "count_primes", "cancel"]
# N for "count the primes below N": 10**9 takes a worker about ten seconds, 10**10 (the
# server's limit) a minute and a half
# (numbers, never int(text): Transcrypt's int() truncates to 32 bits)
PRIMES_BELOW = [1000000, 10000000, 100000000, 1000000000, 10000000000]
DEFAULT_PRIMES_INDEX = 3


class LabelTimer(Timer, Label):
    """The timer in this demo is a subclass of Timer that implements a repeated check of
    the result from a Celery worker until it is done.

    The default is for the application to check every second (``countdown`` ms). While the
    task reports progress (``{"current", "total"}``), the optional progress bar shows it.
    """

    def __init__(self, countdown=DEFAULT_POLL_MILLIS, server=None, progress_bar=None):
        Timer.__init__(self)
        Label.__init__(self)
        self.countdown = countdown
        self.task_id = None
        self.caption = "Celery echo: "
        self.wait_cnt = 0
        self.poll_ids = []  # ids of this task's get_result requests: older answers are stale
        self.progress_bar = progress_bar
        self.remote_py = CeleryService(flask_server() if server is None else server)

    def run(self):
        request_id = self.remote_py.get_result(self, task_id=self.task_id, bogus="blue")
        self.poll_ids.append(request_id)
        self.wait_cnt += 1

    def start_timer(self, task_id, caption="Celery echo: "):
        """Poll for ``task_id``; its result will be shown after ``caption``."""
        self.wait_cnt = 0
        self.poll_ids = []
        self.task_id = task_id
        self.caption = caption
        if self.progress_bar is not None:
            self.progress_bar.reset()
        Label.setText(self, "Waiting for Celery id: " + task_id)
        self.scheduleRepeating(self.countdown)

    def setText(self, txt):
        self.task_id = None
        self.poll_ids = []
        self.cancel()
        Label.setText(self, txt)

    def onRemoteResponse(self, response, request_info):
        if request_info.id not in self.poll_ids:
            return  # an answer about a task this label no longer waits for
        if isinstance(response, dict):
            if "echo" in response:
                if self.progress_bar is not None:
                    self.progress_bar.setDone()
                self.setText(self.caption + str(response["echo"]) + "\nElapsed Time: " +
                             str(self.wait_cnt * self.countdown) + " ms (" +
                             str(self.wait_cnt) + " polls)")
            else:
                if "progress" in response and self.progress_bar is not None:
                    progress = response["progress"]
                    self.progress_bar.setProgress(progress["current"], progress["total"])
                Label.setText(self, "Waiting for Celery (id, checkno): " + str(self.task_id) +
                              ", " + str(self.wait_cnt))
        else:
            self.setText("Could not get remote response as a dictionary")

    def onRemoteError(self, code, errobj, request_info):
        if request_info.id not in self.poll_ids:
            return
        self.setText(remote_error_text(code, errobj))


class ProgressBar(Widget):
    """A ``<progress>`` bar with a caption: how far a Celery task has got."""

    def __init__(self):
        Widget.__init__(self, DOM.createElement("div"), "progress")
        self.bar = DOM.createElement("progress")
        self.bar.id = "progress"
        self.caption = Label()
        self.caption.setID("progress-text")
        self.element.appendChild(self.bar)
        self.element.appendChild(self.caption.getElement())
        self.reset()

    def reset(self):
        """Back to empty, waiting for the first report."""
        self.bar.setAttribute("max", "1")
        self.bar.setAttribute("value", "0")
        self.caption.setText("")

    def setProgress(self, current, total):
        """``current`` of ``total`` done."""
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


class FLASKCELERYExample(JSONRPCExample):
    """The flaskcors buttons plus the Celery ones; clicks and errors are handled as there."""

    def createServices(self, server):
        """The three echo services, then the Celery view."""
        services = JSONRPCExample.createServices(self, server)
        services.append(CeleryService(server))
        return services

    def createButtonLabels(self, where):
        labels = JSONRPCExample.createButtonLabels(self, where)
        labels.append(["Send to a Celery worker via a Flask methodview", "send-celery"])
        return labels

    def createStatus(self, server):
        self.progress_bar = ProgressBar()
        return LabelTimer(poll_millis(), server, self.progress_bar)

    def createInfoHTML(self):
        return INFO_HTML + """
        <p>The Celery button hands the echo to a Celery worker: the server answers
           at once with a task id, and the page asks for the result every
           """ + str(poll_millis()) + """ ms until the worker is done.
           </p>"""

    def createRows(self):
        self.primes_list = ListBox()
        self.primes_list.setID("primes-n")
        for n in PRIMES_BELOW:
            self.primes_list.addItem(str(n))
        self.primes_list.setSelectedIndex(DEFAULT_PRIMES_INDEX)
        self.button_primes = Button("Count primes below N with a Celery worker", self)
        self.button_primes.setID("send-primes")
        self.button_cancel = Button("Cancel the Celery task", self)
        self.button_cancel.setID("cancel-task")

        primes_panel = HorizontalPanel()
        primes_panel.add(HTML("Heavy task: N = "))
        primes_panel.add(self.primes_list)
        primes_panel.add(self.button_primes)
        primes_panel.add(self.button_cancel)
        primes_panel.setSpacing(8)
        return [primes_panel, self.status, self.progress_bar]

    def onClick(self, sender):
        if sender == self.button_primes:
            n = PRIMES_BELOW[self.primes_list.getSelectedIndex()]
            self.status.setText(self.TEXT_WAITING)
            self.remote_py[3].count_primes(n, TaskStarter(self.status, "Primes below " +
                                                          str(n) + ": "))
        elif sender == self.button_cancel:
            task_id = self.status.task_id
            if task_id is not None:
                self.status.setText(self.TEXT_WAITING)
                self.remote_py[3].cancel(task_id, CancelHandler(self.status))
        else:
            JSONRPCExample.onClick(self, sender)

    def onRemoteResponse(self, response, request_info):
        if isinstance(response, dict):
            self.status.start_timer(response["task_id"])
        else:
            self.status.setText(response)


class TaskStarter:
    """Starts the status label's polling for the task a call started, with its caption."""

    def __init__(self, status, caption):
        self.status = status
        self.caption = caption

    def onRemoteResponse(self, response, request_info):
        self.status.start_timer(response["task_id"], self.caption)

    def onRemoteError(self, code, errobj, request_info):
        self.status.setText(remote_error_text(code, errobj))


class CancelHandler:
    """Shows the answer to ``cancel(task_id)`` in the status label."""

    def __init__(self, status):
        self.status = status

    def onRemoteResponse(self, response, request_info):
        self.status.setText("Celery task " + str(response["task_id"]) + ": " +
                            str(response["state"]))

    def onRemoteError(self, code, errobj, request_info):
        self.status.setText(remote_error_text(code, errobj))


class CeleryService(JSONProxy):
    """The Flask method view that hands the echo methods to Celery: ``/json_celery_class``."""

    def __init__(self, server):
        methods = list(METHODS)  # (no list + list: Transcrypt would join them as strings)
        methods.extend(CELERY_METHODS)
        JSONProxy.__init__(self, server + "/json_celery_class", methods)


def poll_millis():
    """The polling period: ``?poll=MS`` (a positive whole number) or 1000 ms."""
    text = Window.getLocation().getSearchVar("poll")
    if text is None:
        return DEFAULT_POLL_MILLIS
    try:
        millis = int(text)
    except ValueError:
        return DEFAULT_POLL_MILLIS
    return millis if millis > 0 else DEFAULT_POLL_MILLIS


if __name__ == "__main__":
    # __pragma__ ('skip')
    import sys

    from pyjamas.desktop import run

    sys.exit(run(FLASKCELERYExample))  # CPython: the page in a desktop window (the pyjd role)
    # __pragma__ ('noskip')
    app = FLASKCELERYExample()
    app.onModuleLoad()
