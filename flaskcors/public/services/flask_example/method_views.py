"""The echo service as a class-based view: ``JSONEchoView`` at ``/json_echo_class``.

:class:`flask_pyjamas.web.views.JSONRPCView` is a ``MethodView`` whose ``options()`` answers the
CORS preflight and whose ``post()`` runs the call on ``rpc_methods``.
"""

from flask_pyjamas import JSONRPCView

from .echo_methods import echo_methods


class JSONEchoView(JSONRPCView):
    """``echo``, ``reverse``, ``uppercase`` and ``lowercase``, each taking one string."""

    rpc_methods = echo_methods
