"""Blueprint ``json_echo``: the echo service as one Flask view function.

The point of the example is visible here: a cross-origin JSON-RPC call is two HTTP requests,
and the view answers both itself, the browser's ``OPTIONS`` preflight and then the ``POST``.
"""

from flask import Blueprint, request

from flask_pyjamas import jsonrpc_endpoint, preflight_response, rpc_post_response

from .echo_methods import echo_methods

json_echo = Blueprint("json_echo", __name__, url_prefix="/json_echo")


# strict_slashes=False: /json_echo answers too, without a redirect (browsers refuse to follow
# one for a preflight). Flask's automatic OPTIONS answer is off: the view gives its own.
@json_echo.route("/", methods=["POST", "OPTIONS"], strict_slashes=False,
                 provide_automatic_options=False)
@jsonrpc_endpoint  # its errors are JSON-RPC error bodies with CORS headers, as its answers
def echo_view():
    if request.method == "OPTIONS":
        return preflight_response()  # CORS: may this origin POST here?
    return rpc_post_response(echo_methods)  # the call itself
