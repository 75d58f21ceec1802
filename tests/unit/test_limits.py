"""The request limits and reply rules, one function at a time: settings, the batch
parser, the reply encoder, and dispatch."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flask_pyjamas.protocol.jsonrpc import InvalidRequest, MethodRegistry, dispatch, encode_reply
from flask_pyjamas.settings import SettingError, flask_celery_settings, rpc_settings
from flask_pyjamas.web.request import WHOLE_PARSE_LIMIT, parse_payload

LIMIT_NAMES = ["RPC_MAX_WAIT", "RPC_MAX_TASKS", "RPC_MAX_HEAVY_TASKS"]


def test_the_defaults_are_safe(tmp_path):
    assert rpc_settings(environ={})["RPC_MAX_BATCH"] == 100
    limits = flask_celery_settings({}, tmp_path, import_name="limits", environ={})
    assert {name: limits[name] for name in LIMIT_NAMES} == {
        "RPC_MAX_WAIT": 25.0, "RPC_MAX_TASKS": 10, "RPC_MAX_HEAVY_TASKS": 4}


def test_limits_come_from_the_environment_and_config_wins(tmp_path):
    env = {"RPC_MAX_BATCH": "7", "RPC_MAX_WAIT": "2.5", "RPC_MAX_TASKS": "3"}
    assert rpc_settings(environ=env)["RPC_MAX_BATCH"] == 7
    assert rpc_settings({"RPC_MAX_BATCH": 9}, environ=env)["RPC_MAX_BATCH"] == 9
    limits = flask_celery_settings({"RPC_MAX_TASKS": 5}, tmp_path, import_name="limits",
                                   environ=env)
    assert (limits["RPC_MAX_WAIT"], limits["RPC_MAX_TASKS"]) == (2.5, 5)


@pytest.mark.parametrize("value", ["0", "-1", "many"])
@pytest.mark.parametrize("name", ["RPC_MAX_BATCH", *LIMIT_NAMES])
def test_a_limit_that_is_not_a_positive_number_is_refused(tmp_path, name, value):
    with pytest.raises(SettingError, match=name):
        rpc_settings(environ={name: value})
        flask_celery_settings({}, tmp_path, import_name="limits", environ={name: value})


def padded(text: str) -> str:
    """``text`` made long enough to be parsed call by call (see WHOLE_PARSE_LIMIT)."""
    return text + " " * (WHOLE_PARSE_LIMIT + 1 - len(text))


@pytest.mark.parametrize("pad", [str, padded], ids=["whole", "call-by-call"])
@pytest.mark.parametrize("text", ["[]", " [ ] ", "[1]", "[ 1 , 2 ]\n", '[{"a": [1, [2]]}, "x"]',
                                  "\t[1,\r\n2]\t", '{"a": 1}', "3"])
def test_the_batch_parser_reads_json_as_json_does(text, pad):
    assert parse_payload(pad(text), 10) == json.loads(text)


@pytest.mark.parametrize("text", ["[", "[1,]", "[1 2]", "[1] x", "[,1]", "[1,,2]", "", "]",
                                  "[1]]", "\ufeff[1]", "[NaN]"])
@pytest.mark.parametrize("pad", [str, padded], ids=["whole", "call-by-call"])
def test_the_batch_parser_refuses_what_json_refuses(text, pad):
    with pytest.raises(ValueError):
        json.loads(pad(text), parse_constant=refuse)
    with pytest.raises(ValueError):
        parse_payload(pad(text), 10)


def refuse(name):
    raise ValueError(name)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers() | st.text() | st.none(), max_size=8), st.sampled_from(
    ["", " ", "\n", "\t "]))
def test_any_list_parses_back(values, space):
    text = "[" + space + ("," + space).join(json.dumps(v) for v in values) + space + "]"
    assert parse_payload(text, 8) == values
    assert parse_payload(padded(text), 8) == values


def test_the_batch_parser_stops_at_the_call_past_the_limit():
    with pytest.raises(InvalidRequest) as caught:  # never reaches the broken tail
        parse_payload(padded("[0, 0, 0, this is not JSON"), 2)
    assert caught.value.to_dict()["data"] == {"max_batch": 2}
    assert parse_payload(padded("[0, 0]"), 2) == [0, 0]
    with pytest.raises(InvalidRequest):  # a short batch is parsed whole, then counted
        parse_payload("[0, 0, 0]", 2)


def test_dispatch_refuses_a_batch_past_its_limit_before_running_any_call():
    calls = []
    methods = MethodRegistry()
    methods.method(lambda: calls.append(1), name="spy")
    batch = [{"jsonrpc": "2.0", "id": i, "method": "spy"} for i in range(3)]
    assert len(dispatch(batch, methods, max_batch=3)) == 3
    reply = dispatch(batch + batch[:1], methods, max_batch=3)
    assert reply["error"]["code"] == -32600 and reply["id"] is None
    assert len(calls) == 3


class Cycle(list):
    pass


def _cycle():
    cycle = Cycle()
    cycle.append(cycle)
    return cycle


@pytest.mark.parametrize("result", [float("nan"), float("inf"), "\udc80", object(), {1j: 2},
                                    _cycle()], ids=["nan", "inf", "surrogate", "object",
                                                    "complex-key", "cycle"])
def test_a_result_json_cannot_carry_fails_alone(result):
    batch = [{"jsonrpc": "2.0", "id": 1, "result": result},
             {"jsonrpc": "2.0", "id": 2, "result": "ok"}]
    replies = json.loads(encode_reply(batch))
    assert replies[0]["id"] == 1 and replies[0]["error"]["code"] == -32603
    assert replies[1] == batch[1]
    single = json.loads(encode_reply(batch[0]))
    assert single["id"] == 1 and single["error"]["code"] == -32603


def test_an_id_with_a_lone_surrogate_is_answered_with_a_null_id():
    reply = json.loads(encode_reply({"jsonrpc": "2.0", "id": "\ud800", "result": "\ud800"}))
    assert reply["id"] is None and reply["error"]["code"] == -32603


def test_ids_must_be_finite():
    methods = MethodRegistry()
    methods.method(lambda: "r", name="m")
    for bad in (float("inf"), float("-inf"), float("nan")):
        reply = dispatch({"jsonrpc": "2.0", "id": bad, "method": "m"}, methods)
        assert reply == {"jsonrpc": "2.0", "id": None, "error": reply["error"]}
        assert reply["error"]["code"] == -32600
    assert dispatch({"jsonrpc": "2.0", "id": 2.5, "method": "m"}, methods)["id"] == 2.5


results = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats()
    | st.text(st.characters(codec=None)),  # lone surrogates included
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(result=results)
def test_every_reply_is_strict_utf8_json(result):
    """Whatever a method returns, the bytes sent are UTF-8 JSON with no NaN or Infinity, and
    the other call of the batch is answered."""
    body = encode_reply([{"jsonrpc": "2.0", "id": 1, "result": result},
                         {"jsonrpc": "2.0", "id": 2, "result": "ok"}])
    replies = json.loads(body.decode("utf-8"), parse_constant=refuse)
    assert replies[1] == {"jsonrpc": "2.0", "id": 2, "result": "ok"}
    assert "result" in replies[0] or replies[0]["error"]["code"] == -32603
