"""The flaskcors page: send text to JSON-RPC echo services, one on the page's own origin and
two on a Flask server on another origin (CORS).

The Pyjamas example ``examples/jsonrpc`` adapted for Flask, as in the original flaskexamples.
``./build.sh`` compiles it to JavaScript; ``python Flask_JSONRPC_CORS.py [--server URL]
[--page-server URL]`` opens it as a desktop window (Tk, :mod:`pyjamas.desktop`). The Flask
server is ``http://localhost:5000`` unless the page URL says ``?server=URL``.

Everything the page does is the page skeleton's
(:class:`flask_pyjamas.client.echo_page.JSONRPCExample`, shared with the flaskcelery page):
a text area, the method list, a button for each echo service (``services/EchoService.py``
beside the page, ``/json_echo/`` and ``/json_echo_class`` on the Flask server), and the
answer or the error below them.
"""

from flask_pyjamas.client.echo_page import JSONRPCExample


class Flask_JSONRPC_CORS(JSONRPCExample):
    """The page; override the skeleton's ``create*`` hooks to change it."""


if __name__ == "__main__":
    # __pragma__ ('skip')
    import sys

    from pyjamas.desktop import run

    sys.exit(run(Flask_JSONRPC_CORS))  # CPython: the page in a desktop window (the pyjd role)
    # __pragma__ ('noskip')
    app = Flask_JSONRPC_CORS()
    app.onModuleLoad()
