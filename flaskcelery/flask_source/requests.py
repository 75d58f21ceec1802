"""The request class of this example's app: a ``flask.Request`` that reads JSON-RPC.

Pyjamas' ``JSONService`` posts ``Content-Type: application/json-rpc``, a media type Flask does
not treat as JSON. :class:`JSONRPCRequest` accepts it (and ``application/json``,
``application/jsonrequest``), and turns a body that is not JSON into a JSON-RPC parse error.
The parsing is :class:`flask_pyjamas.web.request.JSONRPCRequest`'s.

The module keeps the seed's name, ``requests``. It is only ever imported through its package
(scripts here run themselves as package modules, see :mod:`flask_pyjamas.devtools.scripts`), so it
never shadows the ``requests`` distribution.
"""

from flask_pyjamas import JSONRPCRequest as BaseJSONRPCRequest


class JSONRPCRequest(BaseJSONRPCRequest):
    """``app.request_class`` of ``create_app()`` (``FlaskEchoApp.py``)."""
