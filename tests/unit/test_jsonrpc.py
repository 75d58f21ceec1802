"""The JSON-RPC 2.0 core, framework-free: the specification's own examples, then our rules."""

import pytest

from flask_pyjamas.protocol.jsonrpc import (
    Deferred,
    InvalidParams,
    MethodNotFound,
    MethodRegistry,
    ServerError,
    dispatch,
)
from tests.support.echo import echo_methods


@pytest.fixture
def spec_methods():
    """The methods the JSON-RPC 2.0 specification's examples call."""
    methods = MethodRegistry()

    @methods.method
    def subtract(minuend: int, subtrahend: int) -> int:
        return minuend - subtrahend

    @methods.method(name="sum")
    def add_all(*numbers):
        return sum(numbers)

    @methods.method
    def update(*args):
        return None

    @methods.method
    def notify_hello(*args):
        return None

    @methods.method
    def get_data():
        return ["hello", 5]

    return methods


def rpc(payload, methods):
    return dispatch(payload, methods)


# -- The examples of https://www.jsonrpc.org/specification#examples, verbatim in intent --------


def test_positional_parameters(spec_methods):
    assert rpc({"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1},
               spec_methods) == {"jsonrpc": "2.0", "result": 19, "id": 1}
    assert rpc({"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2},
               spec_methods) == {"jsonrpc": "2.0", "result": -19, "id": 2}


def test_named_parameters(spec_methods):
    params = {"subtrahend": 23, "minuend": 42}
    assert rpc({"jsonrpc": "2.0", "method": "subtract", "params": params, "id": 3},
               spec_methods) == {"jsonrpc": "2.0", "result": 19, "id": 3}


def test_notifications_are_not_answered(spec_methods):
    assert rpc({"jsonrpc": "2.0", "method": "update", "params": [1, 2, 3, 4, 5]},
               spec_methods) is None
    assert rpc({"jsonrpc": "2.0", "method": "foobar"}, spec_methods) is None


def test_non_existent_method(spec_methods):
    reply = rpc({"jsonrpc": "2.0", "method": "foobar", "id": "1"}, spec_methods)
    assert reply["id"] == "1"
    assert reply["error"]["code"] == -32601
    assert reply["error"]["message"] == "Method not found"


def test_invalid_request_object(spec_methods):
    reply = rpc({"jsonrpc": "2.0", "method": 1, "params": "bar"}, spec_methods)
    assert reply == {"jsonrpc": "2.0", "id": None, "error": reply["error"]}
    assert reply["error"]["code"] == -32600


def test_empty_batch_is_one_invalid_request(spec_methods):
    reply = rpc([], spec_methods)
    assert isinstance(reply, dict)
    assert reply["id"] is None and reply["error"]["code"] == -32600


def test_invalid_batch_of_one(spec_methods):
    reply = rpc([1], spec_methods)
    assert [r["error"]["code"] for r in reply] == [-32600]
    assert reply[0]["id"] is None


def test_invalid_batch(spec_methods):
    reply = rpc([1, 2, 3], spec_methods)
    assert [(r["id"], r["error"]["code"]) for r in reply] == [(None, -32600)] * 3


def test_mixed_batch(spec_methods):
    reply = rpc(
        [
            {"jsonrpc": "2.0", "method": "sum", "params": [1, 2, 4], "id": "1"},
            {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
            {"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": "2"},
            {"foo": "boo"},
            {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
            {"jsonrpc": "2.0", "method": "get_data", "id": "9"},
        ],
        spec_methods,
    )
    assert reply == [
        {"jsonrpc": "2.0", "result": 7, "id": "1"},
        {"jsonrpc": "2.0", "result": 19, "id": "2"},
        {"jsonrpc": "2.0", "error": reply[2]["error"], "id": None},
        {"jsonrpc": "2.0", "error": reply[3]["error"], "id": "5"},
        {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"},
    ]
    assert reply[2]["error"]["code"] == -32600
    assert reply[3]["error"]["code"] == -32601


def test_batch_of_notifications_only(spec_methods):
    assert rpc([{"jsonrpc": "2.0", "method": "notify_hello", "params": [1]},
                {"jsonrpc": "2.0", "method": "update", "params": [2]}], spec_methods) is None


# -- Our rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize("request_id", ["ID1", 7, 2.5, None])
def test_ids_of_every_allowed_type_come_back(request_id):
    reply = rpc({"jsonrpc": "2.0", "id": request_id, "method": "echo", "params": ["x"]},
                echo_methods)
    assert reply == {"jsonrpc": "2.0", "id": request_id, "result": "x"}


@pytest.mark.parametrize("request_id", [True, [1], {"a": 1}])
def test_ids_of_other_types_are_invalid(request_id):
    reply = rpc({"jsonrpc": "2.0", "id": request_id, "method": "echo", "params": ["x"]},
                echo_methods)
    assert reply["error"]["code"] == -32600 and reply["id"] is None


def test_pyjamas_notification_with_version_1_1_runs():
    calls = []
    methods = MethodRegistry()
    methods.method(lambda text: calls.append(text), name="log")
    assert rpc({"version": "1.1", "method": "log", "params": ["hi"]}, methods) is None
    assert calls == ["hi"]


@pytest.mark.parametrize("version", [{"jsonrpc": "1.0"}, {"jsonrpc": 2}, {}, {"version": "1.0"}])
def test_other_versions_are_invalid(version):
    reply = rpc({**version, "id": 1, "method": "echo", "params": ["x"]}, echo_methods)
    assert reply["error"]["code"] == -32600


@pytest.mark.parametrize(
    ("method", "expected"),
    [("echo", "Hello World"), ("reverse", "dlroW olleH"), ("uppercase", "HELLO WORLD"),
     ("lowercase", "hello world")],
)
def test_echo_methods(method, expected):
    reply = rpc({"jsonrpc": "2.0", "id": "ID1", "method": method, "params": ["Hello World"]},
                echo_methods)
    assert reply["result"] == expected


@pytest.mark.parametrize("params", [[42], [None], [["a"]], [True], [], ["a", "b"], {"x": "a"}])
def test_echo_takes_exactly_one_string(params):
    reply = rpc({"jsonrpc": "2.0", "id": 1, "method": "echo", "params": params}, echo_methods)
    assert reply["error"]["code"] == -32602


def test_an_unknown_named_param_is_invalid_params_naming_it():
    reply = rpc({"jsonrpc": "2.0", "id": 1, "method": "echo",
                 "params": {"text": "hi", "wiat": 20}}, echo_methods)
    assert reply["error"]["code"] == -32602
    assert reply["error"]["data"] == {"unknown_params": ["wiat"]}


def test_a_method_may_ignore_unknown_named_params():
    methods = MethodRegistry()

    @methods.method(ignore_unknown_params=True)
    def get_result(task_id: str) -> str:
        return task_id

    reply = rpc({"jsonrpc": "2.0", "id": "ID1", "method": "get_result",
                 "params": {"task_id": "t", "bogus": "blue"}}, methods)
    assert reply["result"] == "t"


def test_only_registered_functions_are_reachable():
    for name in ["__init__", "__class__", "_lookup", "function", "names", "os", "dispatch"]:
        reply = rpc({"jsonrpc": "2.0", "id": 1, "method": name, "params": []}, echo_methods)
        assert reply["error"]["code"] == -32601, name


def test_params_must_be_array_or_object():
    reply = rpc({"jsonrpc": "2.0", "id": 1, "method": "echo", "params": "x"}, echo_methods)
    assert reply["error"]["code"] == -32600


def test_a_bug_in_a_method_is_an_internal_error_without_traceback():
    methods = MethodRegistry()

    @methods.method
    def broken():
        raise ZeroDivisionError("secret detail")

    reply = rpc({"jsonrpc": "2.0", "id": 1, "method": "broken"}, methods)
    assert reply["error"] == {"code": -32603, "message": "Internal error"}


def test_debug_adds_the_traceback_to_internal_errors():
    methods = MethodRegistry()
    methods.method(lambda: 1 / 0, name="broken")
    reply = dispatch({"jsonrpc": "2.0", "id": 1, "method": "broken"}, methods, debug=True)
    assert reply["error"]["data"]["type"] == "ZeroDivisionError"
    assert "Traceback" in reply["error"]["data"]["traceback"]


def test_methods_raise_rpc_errors_with_their_own_codes():
    methods = MethodRegistry()

    @methods.method
    def busy():
        raise ServerError("broker unavailable", data={"retry": True}, code=-32001)

    reply = rpc({"jsonrpc": "2.0", "id": 1, "method": "busy"}, methods)
    assert reply["error"] == {"code": -32001, "message": "broker unavailable",
                              "data": {"retry": True}}


def test_registry_lookup():
    assert echo_methods.names() == ["echo", "lowercase", "reverse", "uppercase"]
    assert echo_methods.function("reverse")("ab") == "ba"
    with pytest.raises(MethodNotFound):
        echo_methods.function("nonexistant")
    assert "echo" in echo_methods and "eval" not in echo_methods


def test_registries_combine():
    extra = MethodRegistry()
    extra.method(lambda: "pong", name="ping")
    combined = MethodRegistry(echo_methods, extra)
    assert combined.names() == ["echo", "lowercase", "ping", "reverse", "uppercase"]
    assert "ping" not in echo_methods


def test_type_checks_follow_annotations():
    methods = MethodRegistry()

    @methods.method
    def scale(x: float, times: int, flag: bool = False):
        return x * times

    assert rpc({"jsonrpc": "2.0", "id": 1, "method": "scale", "params": [1.5, 2]},
               methods)["result"] == 3.0
    assert rpc({"jsonrpc": "2.0", "id": 1, "method": "scale", "params": [1, 2]},
               methods)["result"] == 2
    for bad in ([True, 2], [1.0, 2.0], [1.0, True], [1.0, 2, "yes"]):
        reply = rpc({"jsonrpc": "2.0", "id": 1, "method": "scale", "params": bad}, methods)
        assert reply["error"]["code"] == -32602, bad
    with pytest.raises(InvalidParams):
        methods._lookup("scale").bind(["x", 1])



def test_the_deferred_results_of_a_batch_are_resolved_after_every_call_ran():
    events = []
    methods = MethodRegistry()

    @methods.method
    def later(n: int):
        events.append(f"run {n}")

        def resolve():
            events.append(f"resolve {n}")
            if n == 2:
                raise InvalidParams(data="two")
            return n * 10

        return Deferred(resolve)

    batch = [{"jsonrpc": "2.0", "id": n, "method": "later", "params": [n]} for n in (1, 2)]
    batch.append({"jsonrpc": "2.0", "method": "later", "params": [3]})  # a notification
    replies = dispatch(batch, methods)
    assert events == ["run 1", "run 2", "run 3", "resolve 1", "resolve 2", "resolve 3"]
    assert replies == [{"jsonrpc": "2.0", "id": 1, "result": 10},
                       {"jsonrpc": "2.0", "id": 2,
                        "error": {"code": -32602, "message": "Invalid params", "data": "two"}}]
    single = dispatch({"jsonrpc": "2.0", "id": 9, "method": "later", "params": [4]}, methods)
    assert single == {"jsonrpc": "2.0", "id": 9, "result": 40}
