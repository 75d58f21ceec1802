"""``rpc.discover``: every endpoint answers an OpenRPC 1.x document of its own methods."""

import pytest
from celery import shared_task

from flask_pyjamas import CeleryMethods
from flask_pyjamas.protocol.jsonrpc import MethodRegistry, dispatch
from flask_pyjamas.protocol.openrpc import json_schema, method_entry
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


def test_a_task_is_described_from_its_signature():
    methods = CeleryMethods(title="t")

    @methods.task
    @shared_task(bind=True, name="tests.unit.scale")
    def scale(self, values: list, factor: float = 2.0) -> list:
        """Each value times the factor."""
        return [v * factor for v in values]

    document = dispatch({"jsonrpc": "2.0", "id": 1, "method": "rpc.discover"},
                        methods)["result"]
    assert_openrpc_shape(document)
    described = {m["name"]: m for m in document["methods"]}
    assert set(described) == {"scale", "get_result", "cancel"}
    assert described["scale"]["params"] == [
        {"name": "values", "schema": {"type": "array"}, "required": True},
        {"name": "factor", "schema": {"type": "number"}, "required": False},
        {"name": "wait", "schema": {"type": "number"}, "required": False},
        {"name": "task_id", "schema": {"type": ["string", "null"]}, "required": False},
    ]
    assert described["scale"]["summary"] == "Each value times the factor."
    assert described["get_result"]["params"][2] == {
        "name": "since_revision", "schema": {"type": ["string", "null"]}, "required": False}


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
    assert json_schema(str | None) == {"type": ["string", "null"]}
    assert json_schema(str | object) == {}
    assert json_schema(object) == {}
