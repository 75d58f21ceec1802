"""The flaskcelery example's app as the library sets it up: its limits and the OpenRPC
description of its methods (its own tasks, registered with ``celery_methods.task``)."""

from flask_pyjamas.protocol.jsonrpc import dispatch
from flaskcelery.flask_source.celery_views import celery_methods
from flaskcelery.flask_source.FlaskEchoApp import create_app as create_celery_app
from tests.unit.test_openrpc import assert_openrpc_shape


def test_a_celery_app_reads_its_limits(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASKCELERY_INSTANCE", str(tmp_path))
    app = create_celery_app({"RPC_MAX_HEAVY_TASKS": 1})
    assert app.config["RPC_MAX_HEAVY_TASKS"] == 1
    assert app.config["RPC_MAX_BATCH"] == 100


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
        {"name": "since_revision", "schema": {"type": ["string", "null"]}, "required": False},
    ]
    assert get_result["result"]["schema"] == {"type": "object"}
    # a task registered with .task(): its own parameters, typed, then wait and task_id
    assert methods["count_primes"]["params"] == [
        {"name": "n", "schema": {"type": "integer"}, "required": True},
        {"name": "wait", "schema": {"type": "number"}, "required": False},
        {"name": "task_id", "schema": {"type": ["string", "null"]}, "required": False},
    ]
    assert methods["count_primes"]["summary"].startswith("The number of primes below")
    assert "RPC_MAX_WAIT" in get_result["description"]
