"""JSONRPCRequest: a ``flask.Request`` that understands the JSON-RPC media types.

Pyjamas' ``JSONService`` posts ``application/json-rpc``, which Flask's ``request.get_json()``
does not treat as JSON. This class adds that media type (and ``application/jsonrequest``), and
turns a body that is not valid JSON into a JSON-RPC parse error instead of Werkzeug's HTML 400.
Each example's ``requests.py`` subclasses it as its app's ``request_class``.

What a hostile client can send is bounded here, before any method runs: the body is at most
``MAX_CONTENT_LENGTH`` bytes however it is framed (413), a body the WSGI server cannot
de-frame is 400, only UTF-8 is read (415 for any other charset), and a long batch is parsed
one call at a time, so the call past ``RPC_MAX_BATCH`` stops the parse (memory and CPU
bounded by the limit, not by the body).
"""

import json
import re

import flask
from werkzeug.exceptions import (
    BadRequest,
    ClientDisconnected,
    HTTPException,
    RequestEntityTooLarge,
)

from flask_pyjamas.protocol.jsonrpc import ParseError, batch_too_large

JSONRPC_MIMETYPES = frozenset(
    {"application/json-rpc", "application/json", "application/jsonrequest"}
)
# RFC 8259 §8.1: JSON exchanged between systems is UTF-8.
UTF8_NAMES = frozenset({"utf-8", "utf8"})


class MalformedBody(BadRequest):
    """HTTP 400: the body cannot be read as framed (bad chunks, shorter than its length)."""


class UnsupportedCharset(Exception):
    """The body's charset is not UTF-8 (HTTP 415); the message says which it is."""


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


# Built once: json.loads with an option builds a new decoder on every call.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# Up to this many characters a batch is parsed whole, by the C decoder (three times faster
# than call by call, and a 64 KiB body can make no more than a few MiB of objects); a longer
# one is read call by call, so that a 1 MiB body of tiny calls stops at call max_batch + 1.
WHOLE_PARSE_LIMIT = 64 * 1024


def parse_payload(text: str, max_batch: int):
    """The JSON value of ``text`` (NaN and Infinity refused); a batch (a JSON array) of more
    than ``max_batch`` calls raises InvalidRequest as soon as call ``max_batch + 1`` is read.

    >>> parse_payload('[1, 2]', 2)
    [1, 2]
    >>> parse_payload('[1, 2, 3]', 2)
    Traceback (most recent call last):
    ...
    flask_pyjamas.protocol.jsonrpc.InvalidRequest: Batch too large
    """
    if text.startswith("\ufeff"):  # as json.loads does
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    start = _WHITESPACE.match(text).end()
    if not text.startswith("[", start) or len(text) <= WHOLE_PARSE_LIMIT:
        payload = _DECODER.decode(text)
        if type(payload) is list and len(payload) > max_batch:
            raise batch_too_large(max_batch)
        return payload
    return _parse_batch(text, _WHITESPACE.match(text, start + 1).end(), max_batch)


def _parse_batch(text: str, index: int, max_batch: int) -> list:
    """The array whose first element starts at ``index``, read element by element."""
    calls = []
    if not text.startswith("]", index):
        while True:
            call, index = _DECODER.raw_decode(text, index)
            calls.append(call)
            if len(calls) > max_batch:
                raise batch_too_large(max_batch)
            index = _WHITESPACE.match(text, index).end()
            if text.startswith(",", index):
                index = _WHITESPACE.match(text, index + 1).end()
            elif text.startswith("]", index):
                break
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, index)
    end = _WHITESPACE.match(text, index + 1).end()
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return calls


class JSONRPCRequest(flask.Request):
    """A request whose body may be a JSON-RPC call."""

    @property
    def is_jsonrpc(self) -> bool:
        """True when the Content-Type is one of :data:`JSONRPC_MIMETYPES` (any charset)."""
        # The usual header is exactly one of them: no need to parse it.
        return (self.environ.get("CONTENT_TYPE") in JSONRPC_MIMETYPES
                or self.mimetype in JSONRPC_MIMETYPES)

    @property
    def is_json(self) -> bool:
        return self.is_jsonrpc or super().is_json

    def check_charset(self) -> None:
        """Raise :class:`UnsupportedCharset` unless the body is UTF-8: no ``charset``,
        ``utf-8`` or ``utf8`` in any case. An RFC 2231 ``charset*=`` is refused too: it can
        name any codec, and proxies read it differently."""
        content_type = self.environ.get("CONTENT_TYPE", "")
        lowered = content_type.lower()
        if "charset" not in lowered:
            return
        if "charset*" in lowered:
            raise UnsupportedCharset("an RFC 2231 charset*= parameter is not accepted: use "
                                     "charset=utf-8")
        charset = self.mimetype_params.get("charset")
        if charset is None:  # "charset" is in the header, but not as a parameter Werkzeug read
            raise UnsupportedCharset(f"the Content-Type {content_type!r} is malformed: use "
                                     "charset=utf-8")
        if charset.lower() not in UTF8_NAMES:
            raise UnsupportedCharset(f"charset {charset!r} is not accepted: JSON-RPC bodies "
                                     "are UTF-8")

    def rpc_payload(self, max_batch: int):
        """The parsed JSON body (a batch of at most ``max_batch`` calls).

        Raises :class:`UnsupportedCharset` for a charset other than UTF-8,
        :class:`~werkzeug.exceptions.RequestEntityTooLarge` past ``MAX_CONTENT_LENGTH``,
        :class:`MalformedBody` (400) for a body the server cannot de-frame,
        :class:`~.ParseError` for a body that is not JSON (NaN and Infinity included),
        and :class:`~flask_pyjamas.protocol.jsonrpc.InvalidRequest` for a batch that is too large.
        """
        self.check_charset()
        body = self.bounded_body()
        try:
            return parse_payload(body.decode(), max_batch)
        except UnicodeDecodeError as exc:
            raise ParseError(data=f"body is not valid UTF-8: {exc.reason}") from None
        except ValueError as exc:
            raise ParseError(data=str(exc)) from None
        except RecursionError:
            raise ParseError(data="JSON nested too deep") from None

    def bounded_body(self) -> bytes:
        """The body, at most ``max_content_length`` bytes however it arrives.

        A Content-Length past the limit is refused before reading (Werkzeug does that), and
        a body shorter than its Content-Length is 400 (the client lied, or hung up). A body
        with no length (``Transfer-Encoding: chunked``) is read up to the limit; Werkzeug
        would then stop there silently, so one more byte is asked of the server's input to
        refuse a longer body instead of running its first megabyte.
        """
        try:
            length, limit = self._content_length(), self.max_content_length
            if length is None:
                return self._body_of_unknown_length(limit)
            if limit is not None and length > limit:
                raise RequestEntityTooLarge()
            # Read straight from the server's input: Werkzeug's stream wrapper costs more
            # than the read, and the length is known and checked.
            body = self.environ["wsgi.input"].read(length) if length else b""
        except ClientDisconnected:  # Werkzeug's name for a chunk it could not read, too
            raise MalformedBody("the request body is malformed or ended early") from None
        except HTTPException:
            raise
        except Exception as exc:  # each WSGI server raises its own errors for bad framing
            raise MalformedBody(f"the request body is malformed ({type(exc).__name__})") from None
        if len(body) < length:
            raise MalformedBody(f"the body ended after {len(body)} of its {length} bytes")
        return body

    def _content_length(self) -> int | None:
        """``content_length``, without Werkzeug's general parse for the usual plain digits."""
        environ = self.environ
        raw = environ.get("CONTENT_LENGTH")
        if raw and raw.isdigit() and raw.isascii() and "HTTP_TRANSFER_ENCODING" not in environ:
            return int(raw)
        return self.content_length

    def _body_of_unknown_length(self, limit: int | None) -> bytes:
        body = self.get_data(cache=False)
        if limit is not None and len(body) >= limit and self.environ["wsgi.input"].read(1):
            raise RequestEntityTooLarge()
        return body

    def on_json_loading_failed(self, e):
        raise ParseError(data=str(e) if e else None)
