"""The flaskcors page: send text to JSON-RPC echo services, one on the page's own origin and
two on a Flask server on another origin (CORS).

The Pyjamas example ``examples/jsonrpc`` adapted for Flask, as in the original flaskexamples.
``./build.sh`` compiles it to JavaScript; ``python Flask_JSONRPC_CORS.py [--server URL]
[--page-server URL]`` opens it as a desktop window (Tk, :mod:`pyjamas.desktop`). The Flask
server is ``http://localhost:5000`` unless the page URL says ``?server=URL``.
"""

# keyword arguments, e.g. EchoServicePython(server=...), need this in the browser:
# __pragma__ ('kwargs')

from flask_pyjamas.client.buttons import text_button
from flask_pyjamas.client.error_text import remote_error_text
from flask_pyjamas.client.page_url import flask_server, server_name
from pyjamas.JSONService import JSONProxy
from pyjamas.ui.HorizontalPanel import HorizontalPanel
from pyjamas.ui.HTML import HTML
from pyjamas.ui.Label import Label
from pyjamas.ui.ListBox import ListBox
from pyjamas.ui.RootPanel import RootPanel
from pyjamas.ui.TextArea import TextArea
from pyjamas.ui.VerticalPanel import VerticalPanel

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


class Flask_JSONRPC_CORS:
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
        self.remote_py = EchoServicePython()
        self.remote_flask_view = EchoServicePython(server=server)
        self.remote_flask_methodview = EchoServicePython(server=server,
                                                         flask_view_type="class")

        self.status = Label()
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

        # labels with the server's name (from the URL) are text, never HTML
        self.button_py = text_button("Send to Python Service", "send-python", self)
        self.button_flask_view = text_button("Send to Flask view function (" + where + ")",
                                             "send-flask-view", self)
        self.button_flask_methodview = text_button(
            "Send to Flask methodview (" + where + ")", "send-flask-methodview", self)

        buttons = HorizontalPanel()
        buttons.add(self.button_py)
        buttons.add(self.button_flask_view)
        buttons.add(self.button_flask_methodview)
        buttons.setSpacing(8)

        info = HTML(INFO_HTML)

        panel = VerticalPanel()
        panel.add(info)
        panel.add(self.text_area)
        panel.add(method_panel)
        panel.add(buttons)
        panel.add(self.status)

        RootPanel().add(panel)

    def onClick(self, sender):
        method = self.methods[self.method_list.getSelectedIndex()]
        text = self.text_area.getText()

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


if __name__ == "__main__":
    # __pragma__ ('skip')
    import sys

    from pyjamas.desktop import run

    sys.exit(run(Flask_JSONRPC_CORS))  # CPython: the page in a desktop window (the pyjd role)
    # __pragma__ ('noskip')
    app = Flask_JSONRPC_CORS()
    app.onModuleLoad()
