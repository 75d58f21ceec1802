"""What a page shows for a failed call: the texts the Pyjamas original showed."""


def remote_error_text(code, errobj):
    """``HTTP error CODE: MESSAGE`` for a transport failure (``code`` the HTTP status, 0 when
    no response could be read), ``JSONRPC Error CODE: MESSAGE`` for a JSON-RPC error object:
    the arguments of ``onRemoteError(code, errobj, request_info)``."""
    message = errobj["message"]
    if code != 0 or errobj["code"] == 0:
        return "HTTP error " + str(code) + ": " + str(message)
    return "JSONRPC Error " + str(errobj["code"]) + ": " + str(message)
