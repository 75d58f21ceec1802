"""The flaskcelery page: echo text through Flask, or through a Celery worker that Flask hands
the work to, and follow heavy tasks (counting primes) to their end with a progress bar.

The Pyjamas original (``examples/flaskexamples/flaskcelery``) kept the flaskcors page and
added one button, "Send to a Celery worker via a Flask methodview": the server answers at once
with a task id, and the page asked ``get_result`` every second until the worker's echo was
there. This page follows its tasks with the client library's
:class:`~flask_pyjamas.client.task_follower.TaskFollower` instead: live (the server answers
as soon as a task changes), through server restarts and proxy errors (it retries), and after
a reload of the page (it keeps the ids it follows in the tab's ``sessionStorage``).

Page parameters: ``?server=URL`` (the Flask server, default ``http://localhost:5000``) and
``?poll=MS`` (poll every MS ms, as the original did, instead of following live), ``?stream=0``
(follow live by long-poll instead of the task events stream). Compiled by
``./build.sh``; ``python FLASKCELERYExample.py [--server URL] [--page-server URL]`` opens it
as a desktop window.
"""

# __pragma__ ('kwargs')

from flask_pyjamas.client.buttons import text_button
from flask_pyjamas.client.error_text import remote_error_text
from flask_pyjamas.client.followed_tasks import FollowedTasks
from flask_pyjamas.client.page_url import flask_server, search_millis, search_off, server_name
from flask_pyjamas.client.progress_bar import ProgressBar
from flask_pyjamas.client.task_follower import TaskFollower
from pyjamas.JSONService import JSONProxy
from pyjamas.ui.HorizontalPanel import HorizontalPanel
from pyjamas.ui.HTML import HTML
from pyjamas.ui.Label import Label
from pyjamas.ui.ListBox import ListBox
from pyjamas.ui.RootPanel import RootPanel
from pyjamas.ui.TextArea import TextArea
from pyjamas.ui.VerticalPanel import VerticalPanel

METHODS = ["echo", "reverse", "uppercase", "lowercase", "nonexistant"]
CELERY_METHODS = ["get_result", "count_primes", "cancel"]
# N for "count the primes below N": 10**9 takes a worker about ten seconds, 10**10 (the
# server's limit) a minute and a half
# (numbers, never int(text): Transcrypt's int() truncates to 32 bits)
PRIMES_BELOW = [1000000, 10000000, 100000000, 1000000000, 10000000000]
DEFAULT_PRIMES_INDEX = 3

DEFAULT_TEXT = """{'Test'} [\"String\"]
\tTest Tab
Test Newline\n
after newline
""" + r"""Literal String:
{'Test'} [\"String\"]
"""

INFO_HTML = """<h2>JSON-RPC Example</h2>
        <p>This example demonstrates the calling of server services with
           <a href="http://json-rpc.org/">JSON-RPC</a>.
        </p>
        <p>Enter some text below, and press a button to send the text
           to an Echo service on your server. An echo service simply sends the exact
           same text back that it receives.
           </p>
        <p>The Celery button hands the echo to a Celery worker: the server answers with
           a task id, and the page follows the task until the worker is done. The heavy
           task counts primes on a worker, with a progress bar and a cancel button.
           </p>"""


class FLASKCELERYExample:
    def onModuleLoad(self):
        self.TEXT_WAITING = "Waiting for response..."
        self.TEXT_ERROR = "Server Error"
        self.METHOD_ECHO = "Echo"
        self.METHOD_REVERSE = "Reverse"
        self.METHOD_UPPERCASE = "UPPERCASE"
        self.METHOD_LOWERCASE = "lowercase"
        self.METHOD_NONEXISTANT = "Non existant"
        self.methods = [self.METHOD_ECHO, self.METHOD_REVERSE,
                        self.METHOD_UPPERCASE, self.METHOD_LOWERCASE,
                        self.METHOD_NONEXISTANT]

        server = flask_server()  # ?server=URL, else http://localhost:5000
        where = server_name(server)
        self.poll_millis = search_millis("poll", 0)  # ?poll=MS: poll as the original did
        # ?stream=0: long-poll get_result instead of the task events stream (Server-Sent Events)
        self.events_url = "" if search_off("stream") else None
        self.remote_py = EchoServicePython()
        self.remote_flask_view = EchoServicePython(server=server)
        self.remote_flask_methodview = EchoServicePython(server=server,
                                                         flask_view_type="class")
        self.remote_celery = CeleryService(server)

        self.status = Label()
        self.status.setID("status")
        # the Celery echo: its task is followed until the worker's answer is there
        self.echo_follower = TaskFollower(self.remote_celery, self,
                                          poll_millis=self.poll_millis,
                                          events_url=self.events_url,
                                          store=FollowedTasks("flaskcelery.echo"),
                                          caption="Celery echo: ")

        self.text_area = TextArea()
        self.text_area.setID("text")
        self.text_area.setText(DEFAULT_TEXT)
        self.text_area.setCharacterWidth(80)
        self.text_area.setVisibleLines(8)

        self.method_list = ListBox()
        self.method_list.setID("method")
        self.method_list.setName("hello")
        self.method_list.setVisibleItemCount(1)
        for method in self.methods:
            self.method_list.addItem(method)
        self.method_list.setSelectedIndex(0)

        method_panel = HorizontalPanel()
        method_panel.add(HTML("Remote string method to call: "))
        method_panel.add(self.method_list)
        method_panel.setSpacing(8)

        # labels with the server's name (from the URL) are text, never HTML
        self.button_py = text_button("Send to Python Service", "send-python", self)
        self.button_flask_view = text_button("Send to Flask view function (" + where + ")",
                                             "send-flask-view", self)
        self.button_flask_methodview = text_button(
            "Send to Flask methodview (" + where + ")", "send-flask-methodview", self)
        self.button_celery = text_button("Send to a Celery worker via a Flask methodview",
                                         "send-celery", self)

        buttons = HorizontalPanel()
        buttons.add(self.button_py)
        buttons.add(self.button_flask_view)
        buttons.add(self.button_flask_methodview)
        buttons.add(self.button_celery)
        buttons.setSpacing(8)

        # the heavy task: N, a button; each job gets a row of its own below
        self.primes_list = ListBox()
        self.primes_list.setID("primes-n")
        for n in PRIMES_BELOW:
            self.primes_list.addItem(str(n))
        self.primes_list.setSelectedIndex(DEFAULT_PRIMES_INDEX)
        self.button_primes = text_button("Count primes below N with a Celery worker",
                                         "send-primes", self)
        primes_panel = HorizontalPanel()
        primes_panel.add(HTML("Heavy task: N = "))
        primes_panel.add(self.primes_list)
        primes_panel.add(self.button_primes)
        primes_panel.setSpacing(8)
        self.jobs_panel = VerticalPanel()
        self.jobs = []
        self.primes_store = FollowedTasks("flaskcelery.primes")

        panel = VerticalPanel()
        panel.add(HTML(INFO_HTML))
        panel.add(self.text_area)
        panel.add(method_panel)
        panel.add(buttons)
        panel.add(self.status)
        panel.add(primes_panel)
        panel.add(self.jobs_panel)

        RootPanel().add(panel)
        self.resumeTasks()

    def resumeTasks(self):
        """Follow again the tasks this tab followed before a reload."""
        for task_id, caption in self.primes_store.entries():
            self.addJob(caption).follower.follow(task_id)
        for task_id in self.echo_follower.store.task_ids():
            self.echo_follower.follow(task_id)

    def addJob(self, caption):
        job = PrimesJob(self, len(self.jobs) + 1, caption)
        self.jobs.append(job)
        self.jobs_panel.add(job.row)
        return job

    def onClick(self, sender):
        if sender == self.button_primes:
            n = PRIMES_BELOW[self.primes_list.getSelectedIndex()]
            job = self.addJob("Primes below " + str(n) + ": ")
            job.follower.start("count_primes", {"n": n})
            return

        method = self.methods[self.method_list.getSelectedIndex()]
        text = self.text_area.getText()

        if sender == self.button_celery:
            self.status.setText(self.TEXT_WAITING)
            self.echo_follower.start(METHODS[self.methods.index(method)], {"text": text})
            return
        if sender == self.button_py:
            remote = self.remote_py
        elif sender == self.button_flask_view:
            remote = self.remote_flask_view
        elif sender == self.button_flask_methodview:
            remote = self.remote_flask_methodview
        else:
            self.status.setText(self.TEXT_WAITING + " unrecognized method")
            return

        self.status.setText(self.TEXT_WAITING)
        if method == self.METHOD_ECHO:
            remote.echo(text, self)
        elif method == self.METHOD_REVERSE:
            remote.reverse(text, self)
        elif method == self.METHOD_UPPERCASE:
            remote.uppercase(text, self)
        elif method == self.METHOD_LOWERCASE:
            remote.lowercase(text, self)
        elif method == self.METHOD_NONEXISTANT:
            remote.nonexistant(text, self)

    def onRemoteResponse(self, response, request_info):
        self.status.setText(response)

    def onRemoteError(self, code, errobj, request_info):
        # code: the HTTP status, or 0 for a JSON-RPC error object (errobj['code'] then says
        # which) or for no readable response at all (server down, origin refused by CORS)
        self.status.setText(remote_error_text(code, errobj))

    # the Celery echo's task, as its TaskFollower reports it

    def onTaskStarted(self, follower):
        self.status.setText("Waiting for Celery id: " + follower.task_id)

    def onTaskAnswer(self, follower, answer):
        self.status.setText("Waiting for Celery (id, checkno): " + follower.task_id + ", "
                            + str(follower.polls))

    def onTaskNotice(self, follower, text):
        self.status.setText(text)

    def onTaskDone(self, follower, result):
        self.status.setText("Celery echo: " + str(result) + "\n" + follower.elapsed_text())

    def onTaskCancelled(self, follower):
        self.status.setText("Celery task " + follower.task_id + ": REVOKED")

    def onTaskError(self, follower, text):
        self.status.setText(text)


class PrimesJob:
    """One heavy task on the page: its row (what it says, a progress bar, a cancel button)
    and the handler of the TaskFollower that follows it. Row ``K`` of the page has the DOM
    ids ``job-K``, ``progress-K`` (``progress-K-text``) and ``cancel-K``."""

    def __init__(self, page, number, caption):
        self.caption = caption
        self.status = Label()
        self.status.setID("job-" + str(number))
        self.progress_bar = ProgressBar("progress-" + str(number))
        self.button_cancel = text_button("Cancel", "cancel-" + str(number), self)
        self.row = HorizontalPanel()
        self.row.add(self.progress_bar)
        self.row.add(self.button_cancel)
        self.row.add(self.status)
        self.row.setSpacing(8)
        self.follower = TaskFollower(page.remote_celery, self, progress_bar=self.progress_bar,
                                     poll_millis=page.poll_millis, events_url=page.events_url,
                                     store=page.primes_store,
                                     caption=caption)

    def onClick(self, sender):
        self.follower.cancel()

    def onTaskStarted(self, follower):
        self.status.setText(self.caption + "waiting for Celery id " + follower.task_id)

    def onTaskAnswer(self, follower, answer):
        self.status.setText(self.caption + "Celery task " + follower.task_id + ": "
                            + str(answer["state"]))

    def onTaskNotice(self, follower, text):
        self.status.setText(self.caption + text)

    def onTaskDone(self, follower, result):
        self.status.setText(self.caption + str(result) + "\n" + follower.elapsed_text())

    def onTaskCancelled(self, follower):
        self.status.setText(self.caption + "cancelled (Celery task " + follower.task_id
                            + ": REVOKED)")

    def onTaskError(self, follower, text):
        self.status.setText(self.caption + text)


class EchoServicePython(JSONProxy):
    def __init__(self, server="mod_python", flask_view_type="function"):
        # server: "mod_python" for the service beside the page, else the Flask server's URL
        methods = list(METHODS)
        if server == "mod_python":
            JSONProxy.__init__(self, "services/EchoService.py", methods)
        elif flask_view_type == "function":
            JSONProxy.__init__(self, server + "/json_echo/", methods)
        elif flask_view_type == "class":
            JSONProxy.__init__(self, server + "/json_echo_class", methods)


class CeleryService(JSONProxy):
    """The Flask method view that hands the echo methods to Celery: ``/json_celery_class``."""

    def __init__(self, server):
        methods = list(METHODS)  # (no list + list: Transcrypt would join them as strings)
        methods.extend(CELERY_METHODS)
        JSONProxy.__init__(self, server + "/json_celery_class", methods)


if __name__ == "__main__":
    # __pragma__ ('skip')
    import sys

    from pyjamas.desktop import run

    sys.exit(run(FLASKCELERYExample))  # CPython: the page in a desktop window (the pyjd role)
    # __pragma__ ('noskip')
    app = FLASKCELERYExample()
    app.onModuleLoad()
