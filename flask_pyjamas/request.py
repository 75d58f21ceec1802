"""JSONRPCRequest: a ``flask.Request`` that understands the JSON-RPC media types.

Pyjamas' ``JSONService`` posts ``application/json-rpc``, which Flask's ``request.get_json()``
does not treat as JSON. This class adds that media type (and ``application/jsonrequest``), and
turns a body that is not valid JSON into a JSON-RPC parse error instead of Werkzeug's HTML 400.
Each example's ``requests.py`` subclasses it as its app's ``request_class``.
"""

import json

import flask
from werkzeug.exceptions import UnsupportedMediaType

from .jsonrpc import ParseError

JSONRPC_MIMETYPES = frozenset(
    {"application/json-rpc", "application/json", "application/jsonrequest"}
)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


# Built once: json.loads with an option builds a new decoder on every call.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _loads(text: str):
    """``json.loads(text, parse_constant=_refuse_constant)``, with a decoder built once."""
    if text.startswith("\ufeff"):  # as json.loads does
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODER.decode(text)


class JSONRPCRequest(flask.Request):
    """A request whose body may be a JSON-RPC call."""

    @property
    def is_jsonrpc(self) -> bool:
        """True when the Content-Type is one of :data:`JSONRPC_MIMETYPES` (any charset)."""
        return self.mimetype in JSONRPC_MIMETYPES

    @property
    def is_json(self) -> bool:
        return self.is_jsonrpc or super().is_json

    def rpc_payload(self):
        """The parsed JSON body.

        Raises :class:`~.jsonrpc.ParseError` for a body that is not JSON (NaN and Infinity
        included), :class:`~werkzeug.exceptions.RequestEntityTooLarge` past
        ``MAX_CONTENT_LENGTH``, and :class:`~werkzeug.exceptions.UnsupportedMediaType` for a
        charset Python does not know.
        """
        charset = self.mimetype_params.get("charset", "utf-8")
        body = self.get_data(cache=False)
        try:
            text = body.decode(charset)
        except LookupError:
            raise UnsupportedMediaType(f"unknown charset {charset!r}") from None
        except UnicodeDecodeError as exc:
            raise ParseError(data=f"body is not valid {charset}: {exc.reason}") from None
        try:
            return _loads(text)
        except ValueError as exc:
            raise ParseError(data=str(exc)) from None
        except RecursionError:
            raise ParseError(data="JSON nested too deep") from None

    def on_json_loading_failed(self, e):
        raise ParseError(data=str(e) if e else None)
