"""``rpc.discover``: every endpoint answers an OpenRPC 1.x document of its own methods."""

import pytest

from flask_pyjamas.protocol.jsonrpc import MethodRegistry, dispatch
from flask_pyjamas.protocol.openrpc import json_schema, method_entry
from flaskcelery.flask_source.celery_views import celery_methods
from tests.support.echo import echo_methods

ENDPOINTS = ["/json_echo/", "/json_echo_class"]


def assert_openrpc_shape(document: dict) -> None:
    """The fields the OpenRPC 1.x specification requires, with their types."""
    assert document["openrpc"].split(".")[0] == "1"
    assert isinstance(document["info"]["title"], str) and document["info"]["title"]
    assert isinstance(document["info"]["version"], str) and document["info"]["version"]
    assert isinstance(document["methods"], list) and document["methods"]
    for method in document["methods"]:
        assert isinstance(method["name"], str) and not method["name"].startswith("rpc.")
        assert isinstance(method["params"], list)
        for param in method["params"]:
            assert isinstance(param["name"], str)
            assert isinstance(param["schema"], dict)
            assert isinstance(param["required"], bool)
        assert isinstance(method["result"]["name"], str)
        assert isinstance(method["result"]["schema"], dict)
    names = [method["name"] for method in document["methods"]]
    assert names == sorted(set(names))


@pytest.mark.parametrize("path", ENDPOINTS)
def test_each_echo_endpoint_describes_its_methods(rpc_post, path):
    reply = rpc_post({"jsonrpc": "2.0", "id": 1, "method": "rpc.discover"}, path=path).get_json()
    document = reply["result"]
    assert_openrpc_shape(document)
    assert document["info"]["title"] == echo_methods.title
    echo = {m["name"]: m for m in document["methods"]}["echo"]
    assert echo["params"] == [{"name": "text", "schema": {"type": "string"}, "required": True}]
    assert echo["result"]["schema"] == {"type": "string"}
    assert echo["summary"] == "The text, unchanged."


def test_the_celery_methods_are_described_from_their_signatures():
    document = dispatch({"jsonrpc": "2.0", "id": 1, "method": "rpc.discover"},
                        celery_methods)["result"]
    assert_openrpc_shape(document)
    methods = {m["name"]: m for m in document["methods"]}
    assert set(methods) == {"echo", "reverse", "uppercase", "lowercase", "count_primes",
                            "get_result", "cancel"}
    get_result = methods["get_result"]
    assert get_result["params"] == [
        {"name": "task_id", "schema": {"type": "string"}, "required": True},
        {"name": "wait", "schema": {"type": "number"}, "required": False},
        {"name": "since_revision", "schema": {}, "required": False},
    ]
    assert get_result["result"]["schema"] == {"type": "object"}
    # a task registered with .task(): its own parameters, typed, then wait and task_id
    assert methods["count_primes"]["params"] == [
        {"name": "n", "schema": {"type": "integer"}, "required": True},
        {"name": "wait", "schema": {"type": "number"}, "required": False},
        {"name": "task_id", "schema": {}, "required": False},
    ]
    assert methods["count_primes"]["summary"].startswith("The number of primes below")
    assert "RPC_MAX_WAIT" in get_result["description"]


def test_the_document_follows_new_registrations():
    methods = MethodRegistry(title="t")

    @methods.method
    def first(a: int, b=None, *rest, **options) -> bool:
        """One.

        Two."""

    call = {"jsonrpc": "2.0", "id": 1, "method": "rpc.discover"}
    assert [m["name"] for m in dispatch(call, methods)["result"]["methods"]] == ["first"]
    methods.method(lambda: None, name="second")
    assert [m["name"] for m in dispatch(call, methods)["result"]["methods"]] == [
        "first", "second"]
    entry = method_entry("first", first)
    assert entry["params"] == [{"name": "a", "schema": {"type": "integer"}, "required": True},
                               {"name": "b", "schema": {}, "required": False}]
    assert entry["summary"] == "One." and entry["description"] == "One.\n\nTwo."


def test_rpc_names_are_reserved():
    with pytest.raises(ValueError, match="reserved"):
        MethodRegistry().method(lambda: None, name="rpc.discover")


def test_schemas_of_annotations():
    assert json_schema(float) == {"type": "number"}
    assert json_schema(None) == {"type": "null"}
    assert json_schema(object) == {}
