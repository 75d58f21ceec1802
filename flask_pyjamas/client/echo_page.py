"""The page skeleton both examples build on: send text to JSON-RPC echo services, one on the
page's own origin and two on a Flask server on another origin (CORS).

The Pyjamas example ``examples/jsonrpc`` adapted for Flask, as in the original flaskexamples.
A page module subclasses :class:`JSONRPCExample` and overrides its ``create*`` hooks; it is
compiled with the page (``pyjsbuild``), or runs under CPython. The Flask server is
``http://localhost:5000`` unless the page URL says ``?server=URL``.
"""

# keyword arguments, e.g. EchoServicePython(server=...), need this in the browser:
# __pragma__ ('kwargs')

from pyjamas import Window
from pyjamas.JSONService import JSONProxy
from pyjamas.ui.Button import Button
from pyjamas.ui.HorizontalPanel import HorizontalPanel
from pyjamas.ui.HTML import HTML
from pyjamas.ui.Label import Label
from pyjamas.ui.ListBox import ListBox
from pyjamas.ui.RootPanel import RootPanel
from pyjamas.ui.TextArea import TextArea
from pyjamas.ui.VerticalPanel import VerticalPanel

DEFAULT_SERVER = "http://localhost:5000"
METHODS = ["echo", "reverse", "uppercase", "lowercase", "nonexistant"]


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
           </p>"""


class JSONRPCExample:
    """The page. A page that extends it overrides the ``create*`` hooks rather than the
    layout: its services and buttons, its status widget, its extra rows."""

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

        server = flask_server()
        self.remote_py = self.createServices(server)

        self.status = self.createStatus(server)
        self.status.setID("status")
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

        buttons = HorizontalPanel()
        # (button, proxy) pairs: a dict keyed by widgets would not work in the browser,
        # where dict keys are strings
        self.python_buttons = []
        labels = self.createButtonLabels(server_name(server))
        for i in range(len(labels)):
            button = Button(labels[i][0], self)
            button.setID(labels[i][1])
            buttons.add(button)
            self.python_buttons.append([button, self.remote_py[i]])
        buttons.setSpacing(8)

        panel = VerticalPanel()
        panel.add(HTML(self.createInfoHTML()))
        panel.add(self.text_area)
        panel.add(method_panel)
        panel.add(buttons)
        for widget in self.createRows():
            panel.add(widget)

        RootPanel().add(panel)

    def createServices(self, server):
        """The echo proxies, one for each button of :meth:`createButtonLabels`."""
        return [
            EchoServicePython(),
            EchoServicePython(server=server),
            EchoServicePython(server=server, flask_view_type="class"),
        ]

    def createButtonLabels(self, where):
        """``[label, DOM id]`` of each send button; ``where`` names the Flask server."""
        return [
            ["Send to Python Service", "send-python"],
            ["Send to Flask view function (" + where + ")", "send-flask-view"],
            ["Send to Flask methodview (" + where + ")", "send-flask-methodview"],
        ]

    def createStatus(self, server):
        """The widget that shows each answer."""
        return Label()

    def createInfoHTML(self):
        return INFO_HTML

    def createRows(self):
        """The rows below the buttons."""
        return [self.status]

    def onClick(self, sender):
        method = self.methods[self.method_list.getSelectedIndex()]
        text = self.text_area.getText()

        remote_py = None
        for button, proxy in self.python_buttons:
            if sender == button:
                remote_py = proxy
        if remote_py is None:
            self.status.setText(self.TEXT_WAITING + " unrecognized method")
            return

        self.status.setText(self.TEXT_WAITING)
        if method == self.METHOD_ECHO:
            remote_py.echo(text, self)
        elif method == self.METHOD_REVERSE:
            remote_py.reverse(text, self)
        elif method == self.METHOD_UPPERCASE:
            remote_py.uppercase(text, self)
        elif method == self.METHOD_LOWERCASE:
            remote_py.lowercase(text, self)
        elif method == self.METHOD_NONEXISTANT:
            remote_py.nonexistant(text, self)

    def onRemoteResponse(self, response, request_info):
        self.status.setText(response)

    def onRemoteError(self, code, errobj, request_info):
        # onRemoteError gets the HTTP error code or 0 and
        # errobj is an jsonrpc 2.0 error dict:
        #     {
        #       'code': jsonrpc-error-code (integer) ,
        #       'message': jsonrpc-error-message (string) ,
        #       'data' : extra-error-data
        #     }
        # An HTTP status of 0 (no readable response: server down, or this page's origin
        # refused by CORS) comes with errobj['code'] 0 too.
        self.status.setText(remote_error_text(code, errobj))


def remote_error_text(code, errobj):
    """``HTTP error CODE: MESSAGE`` or ``JSONRPC Error CODE: MESSAGE``, as the original."""
    message = errobj["message"]
    if code != 0 or errobj["code"] == 0:
        return "HTTP error " + str(code) + ": " + str(message)
    return "JSONRPC Error " + str(errobj["code"]) + ": " + str(message)


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


def flask_server():
    """The Flask server's base URL: ``?server=URL`` or ``http://localhost:5000``."""
    server = Window.getLocation().getSearchVar("server")
    if server is None or server == "":
        server = DEFAULT_SERVER
    while server.endswith("/"):
        server = server[:-1]
    return server


def server_name(server):
    """``http://localhost:5000`` -> ``localhost:5000`` (for the button labels)."""
    start = server.find("://")
    return server if start < 0 else server[start + 3:]

