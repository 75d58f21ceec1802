"""The baseline of figure 1: a bare Flask route that returns the same JSON as ``echo``.

``/bare/`` reads and parses the body like any JSON endpoint must, and answers the reply the
JSON-RPC layer would send, without the layer: no request class, no origin check, no
validation or dispatch, no CORS headers. ``/bare-cors/`` is the same plus the two headers
the layer adds to the answer (``Vary``, ``Access-Control-Allow-Origin``), to tell the cost of
the extra bytes from the cost of the layer's Python. Served with the same gunicorn settings
as the real app.
"""

import json

from flask import Flask, Response, request


def _reply() -> Response:
    payload = json.loads(request.get_data())
    reply = {"jsonrpc": "2.0", "id": payload["id"], "result": payload["params"][0]}
    body = json.dumps(reply, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/json")


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/bare/")
    def bare_echo():
        return _reply()

    @app.post("/bare-cors/")
    def bare_echo_cors():
        response = _reply()
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
        return response

    return app
