"""OpenRPC discovery: the document ``rpc.discover`` answers, built from the methods themselves.

Each registered function gives a method entry: its name, the first paragraph of its docstring
as ``summary`` (the whole docstring as ``description``), one ``params`` entry per parameter
(a JSON Schema from its annotation; ``required`` unless it has a default) and a ``result``
from its return annotation. Clients and documentation generators read it
(https://spec.open-rpc.org); ``rpc.discover`` itself is not listed, as the specification says.
"""

import inspect
import types
import typing
from collections.abc import Callable

OPENRPC_VERSION = "1.2.6"
DISCOVER = "rpc.discover"

_SCHEMAS = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    list: {"type": "array"},
    dict: {"type": "object"},
    type(None): {"type": "null"},
    None: {"type": "null"},
}


def json_schema(annotation) -> dict:
    """The JSON Schema of a parameter or return annotation; ``{}`` (any value) when there is
    none (``inspect.Parameter.empty``) or JSON has no type for it. A union of JSON types
    (``str | None``) is a list of types.

    >>> json_schema(str | None)
    {'type': ['string', 'null']}
    """
    if isinstance(annotation, types.UnionType):
        schemas = [_SCHEMAS.get(member) for member in typing.get_args(annotation)]
        if all(schemas):
            return {"type": [schema["type"] for schema in schemas]}
        return {}
    return dict(_SCHEMAS.get(annotation, {}))


def method_entry(name: str, function: Callable) -> dict:
    """The OpenRPC Method Object of ``function``, registered as ``name``."""
    signature = inspect.signature(function)
    doc = inspect.getdoc(function) or ""
    params = []
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        params.append({
            "name": param.name,
            "schema": json_schema(param.annotation),
            "required": param.default is param.empty,
        })
    entry = {
        "name": name,
        "params": params,
        "result": {"name": "result", "schema": json_schema(signature.return_annotation)},
    }
    if doc:
        entry["summary"] = doc.split("\n\n", 1)[0].replace("\n", " ")
        entry["description"] = doc
    return entry


def openrpc_document(functions: dict[str, Callable], title: str, version: str) -> dict:
    """The OpenRPC document of ``functions`` (JSON-RPC name -> function), by name."""
    return {
        "openrpc": OPENRPC_VERSION,
        "info": {"title": title, "version": version},
        "methods": [method_entry(name, functions[name]) for name in sorted(functions)],
    }
