"""Whatever a client sends, the answer is a well-formed JSON-RPC reply or a 204, never a 5xx."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.tiny_app import create_app

app = create_app({"TESTING": True})
client = app.test_client()
HEADERS = {"Origin": "http://localhost:8000", "Content-Type": "application/json-rpc"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
# Request-shaped objects reach deeper into validation and dispatch than arbitrary JSON does.
request_objects = st.fixed_dictionaries(
    {},
    optional={
        "jsonrpc": st.sampled_from(["2.0", "1.0", 2]) | json_values,
        "version": st.just("1.1"),
        "id": st.none() | st.text(max_size=5) | st.integers() | json_values,
        "method": st.sampled_from(["echo", "reverse", "uppercase", "lowercase", "nope"])
        | json_values,
        "params": st.lists(json_values, max_size=3)
        | st.dictionaries(st.sampled_from(["text", "x"]), json_values, max_size=2) | json_values,
    },
)
payloads = request_objects | st.lists(request_objects, max_size=5) | json_values


def assert_well_formed_reply(reply):
    assert reply["jsonrpc"] == "2.0"
    assert "id" in reply
    assert ("result" in reply) != ("error" in reply)
    if "error" in reply:
        assert isinstance(reply["error"]["code"], int)
        assert isinstance(reply["error"]["message"], str)


def check(response):
    assert response.status_code < 500
    if response.status_code == 204:
        assert response.data == b""
        return
    assert response.headers["Access-Control-Allow-Origin"] == HEADERS["Origin"]
    reply = json.loads(response.data)
    if isinstance(reply, list):
        assert reply, "an empty batch reply is never sent"
        for item in reply:
            assert_well_formed_reply(item)
    else:
        assert_well_formed_reply(reply)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(payload=payloads)
def test_any_json_gets_a_json_rpc_answer(payload):
    for path in ("/json_echo/", "/json_echo_class"):
        check(client.post(path, data=json.dumps(payload), headers=HEADERS))


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200))
def test_any_bytes_get_a_json_rpc_answer(data):
    check(client.post("/json_echo/", data=data, headers=HEADERS))


@settings(max_examples=100, deadline=None)
@given(content_type=st.text(max_size=40), data=st.binary(max_size=50))
def test_any_content_type_gets_a_json_rpc_answer(content_type, data):
    try:
        headers = {**HEADERS, "Content-Type": content_type}
        response = client.post("/json_echo/", data=data, headers=headers)
    except ValueError:  # Werkzeug's test client refuses header values with newlines
        return
    check(response)


charsets = st.sampled_from(["utf-8", "UTF8", "utf-7", "cp037", "unicode_escape", "undefined",
                            "latin-1", "utf-16", "utf-32", "idna", "rot13", "base64", "zlib",
                            "hex", "mbcs", ""]) | st.text(max_size=20)


@settings(max_examples=200, deadline=None)
@given(charset=charsets, form=st.sampled_from(["charset={}", 'charset="{}"', "charset*={}",
                                               "charset*=utf-8''{}", "CHARSET={}"]),
       data=st.binary(max_size=60) | st.just(b'{"jsonrpc":"2.0","id":1,"method":"echo",'
                                             b'"params":["x"]}'))
def test_any_charset_gets_a_json_rpc_answer(charset, form, data):
    """Only UTF-8 is read; every other charset is a 415 with a JSON-RPC body, never a 5xx."""
    content_type = "application/json-rpc; " + form.format(charset)
    try:
        response = client.post("/json_echo/", data=data, headers={**HEADERS,
                                                                  "Content-Type": content_type})
    except ValueError:  # Werkzeug's test client refuses header values with newlines
        return
    check(response)
    if response.status_code == 200 and data.startswith(b'{"jsonrpc"'):
        assert charset.strip('"').lower() in ("utf-8", "utf8", "") and "*" not in form

