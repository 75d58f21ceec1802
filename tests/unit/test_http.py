"""The library's HTTP layer, through the tests' tiny app and Flask's test client: the wire protocol
and the CORS policy as a browser page on another origin sees them, and what the extension
leaves alone (the app's own routes)."""

import json

import pytest

from flask_pyjamas import JSONRPC
from tests.support.tiny_app import create_app

ENDPOINTS = ["/json_echo/", "/json_echo", "/json_echo_class", "/json_echo_class/"]
PAGE = "http://localhost:8000"


def call(method, *params, request_id="ID1"):
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)}


def body(response):
    return json.loads(response.get_data(as_text=True))


def assert_json_rpc_error(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    reply = body(response)
    assert reply["jsonrpc"] == "2.0"
    assert reply["error"]["code"] == code
    assert isinstance(reply["error"]["message"], str) and reply["error"]["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    return reply


# -- Calls ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("method", "expected"),
    [("echo", "Abc def"), ("reverse", "fed cbA"), ("uppercase", "ABC DEF"),
     ("lowercase", "abc def")],
)
def test_each_endpoint_answers_each_method(rpc_post, path, method, expected):
    response = rpc_post(call(method, "Abc def"), path=path)
    assert response.status_code == 200
    assert body(response) == {"jsonrpc": "2.0", "id": "ID1", "result": expected}
    assert response.headers["Access-Control-Allow-Origin"] == PAGE
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize(
    "content_type",
    ["application/json-rpc", "application/json", "application/jsonrequest",
     "application/json-rpc; charset=utf-8", "application/json; charset=UTF-8"],
)
def test_json_rpc_media_types_are_accepted(rpc_post, content_type):
    response = rpc_post(call("echo", "ü"), content_type=content_type)
    assert body(response)["result"] == "ü"


def test_a_charset_other_than_utf8_is_415(echo_client):
    # RFC 8259: JSON between systems is UTF-8; a proxy would read latin-1 bytes otherwise
    data = json.dumps(call("echo", "é"), ensure_ascii=False).encode("latin-1")
    response = echo_client.post("/json_echo/", data=data, headers={
        "Origin": PAGE, "Content-Type": "application/json-rpc; charset=latin-1"})
    assert_json_rpc_error(response, 415, -32600)


def test_an_unknown_charset_is_415(rpc_post):
    assert_json_rpc_error(rpc_post(call("echo", "x"), content_type="application/json-rpc; "
                                   "charset=klingon"), 415, -32600)


def test_method_not_found_is_http_200(rpc_post):
    reply = assert_json_rpc_error(rpc_post(call("nonexistant", "x")), 200, -32601)
    assert reply["id"] == "ID1"


def test_invalid_params_is_http_200(rpc_post):
    assert_json_rpc_error(rpc_post(call("echo", 42)), 200, -32602)


@pytest.mark.parametrize("data", ["{", "not json", '{"a": NaN}', "[1, 2", b"\xff\xfe\x00",
                                  "[" * 100_000])
def test_unparseable_bodies_are_parse_errors(rpc_post, data):
    reply = assert_json_rpc_error(rpc_post(data), 200, -32700)
    assert reply["id"] is None


def test_empty_body_is_a_parse_error(rpc_post):
    assert_json_rpc_error(rpc_post(""), 200, -32700)


def test_notification_is_204_with_no_body(rpc_post):
    response = rpc_post({"version": "1.1", "method": "echo", "params": ["x"]})
    assert response.status_code == 204
    assert response.data == b""
    assert response.headers["Access-Control-Allow-Origin"] == PAGE


def test_batch(rpc_post):
    response = rpc_post([call("echo", "a", request_id="ID1"),
                         {"jsonrpc": "2.0", "method": "echo", "params": ["n"]},
                         call("reverse", "ab", request_id="ID2"),
                         call("nope", request_id="ID3")])
    reply = body(response)
    assert [r["id"] for r in reply] == ["ID1", "ID2", "ID3"]
    assert reply[0]["result"] == "a" and reply[1]["result"] == "ba"
    assert reply[2]["error"]["code"] == -32601


def test_empty_batch_is_one_error(rpc_post):
    reply = assert_json_rpc_error(rpc_post("[]"), 200, -32600)
    assert isinstance(reply, dict)


def test_batch_of_notifications_is_204(rpc_post):
    response = rpc_post([{"jsonrpc": "2.0", "method": "echo", "params": ["a"]}] * 3)
    assert response.status_code == 204 and response.data == b""


def test_a_result_json_cannot_carry_is_an_internal_error(rpc_post, spy_calls):
    assert_json_rpc_error(rpc_post(call("opaque"), path="/spy"), 200, -32603)


# -- Transport faults: HTTP status codes, still with JSON-RPC bodies and CORS headers ------------


@pytest.mark.parametrize("verb", ["get", "put", "delete", "patch"])
def test_wrong_verb_is_405(echo_client, verb):
    response = getattr(echo_client, verb)("/json_echo/", headers={"Origin": PAGE})
    assert_json_rpc_error(response, 405, -32600)
    assert response.headers["Access-Control-Allow-Origin"] == PAGE
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"POST", "OPTIONS"}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])
def test_simple_content_types_are_415_and_run_nothing(rpc_post, spy_calls, content_type):
    response = rpc_post(call("spy"), path="/spy", content_type=content_type)
    assert_json_rpc_error(response, 415, -32600)
    assert spy_calls == []
    assert response.headers["Access-Control-Allow-Origin"] == PAGE


def test_the_spy_records_calls(rpc_post, spy_calls):
    assert rpc_post(call("spy"), path="/spy").status_code == 200
    assert spy_calls == ["spy"]


def test_body_over_the_limit_is_413(rpc_post):
    big = json.dumps(call("echo", "x" * (1024 * 1024)))
    response = rpc_post(big)
    reply = assert_json_rpc_error(response, 413, -32600)
    assert "1048576" in reply["error"]["message"]
    assert response.headers["Access-Control-Allow-Origin"] == PAGE


def test_body_just_under_the_limit_is_answered(rpc_post):
    text = "x" * (1024 * 1024 - 200)
    assert body(rpc_post(call("echo", text)))["result"] == text


def test_the_limit_is_configurable():
    client = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 100}).test_client()
    response = client.post("/json_echo/", data=json.dumps(call("echo", "x" * 200)),
                           headers={"Origin": PAGE, "Content-Type": "application/json-rpc"})
    assert_json_rpc_error(response, 413, -32600)


# -- The app's other routes: Flask's own behaviour, untouched by the extension -----------------


def test_unknown_path_is_flasks_own_404(echo_client):
    response = echo_client.post("/nowhere", headers={"Origin": PAGE})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_users_own_route_answers_without_cors_headers(echo_client):
    response = echo_client.get("/hello", headers={"Origin": PAGE})
    assert response.data == b"<p>hello</p>"
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_users_own_route_that_raises_gets_flasks_500_page():
    client = create_app().test_client()  # not TESTING: Flask answers the error itself
    response = client.get("/boom", headers={"Origin": PAGE})
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert b"Internal Server Error" in response.data and b"jsonrpc" not in response.data
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_users_own_route_that_raises_propagates_when_testing(echo_client):
    with pytest.raises(RuntimeError, match="a bug in the user's own route"):
        echo_client.get("/boom")  # Flask's TESTING behaviour, as without the extension


def test_a_wrong_verb_on_a_users_own_route_is_flasks_405(echo_client):
    response = echo_client.post("/hello", headers={"Origin": PAGE})
    assert response.status_code == 405 and response.mimetype == "text/html"


def test_a_request_class_that_cannot_read_json_rpc_is_refused():
    import flask

    class Plain(flask.Request):
        pass

    app = flask.Flask("plain")
    app.request_class = Plain
    with pytest.raises(TypeError, match="JSONRPCRequest"):
        JSONRPC(app)


def test_debug_mode_still_answers_json(rpc_post, echo_app):
    echo_app.debug = True
    assert_json_rpc_error(rpc_post("{"), 200, -32700)


# -- CORS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("origin", ["http://localhost:8000", "http://127.0.0.1:8000"])
def test_preflight_for_an_allowed_origin(echo_client, path, origin):
    response = echo_client.options(path, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 204
    assert response.data == b""
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()
    assert response.headers["Access-Control-Max-Age"] == "86400"
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("path", ENDPOINTS)
def test_preflight_for_a_refused_origin(echo_client, path):
    response = echo_client.options(path, headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert_json_rpc_error(response, 403, -32600)
    assert not [h for h in response.headers.keys() if h.startswith("Access-Control-Allow")]
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://localhost:8001",
                                    "https://localhost:8000", "http://localhost:8000.evil"])
def test_post_from_a_refused_origin_is_403_before_any_method_runs(rpc_post, spy_calls, origin):
    response = rpc_post(call("spy"), path="/spy", origin=origin)
    assert_json_rpc_error(response, 403, -32600)
    assert spy_calls == []
    assert not [h for h in response.headers.keys() if h.startswith("Access-Control-Allow")]
    assert "Origin" in response.headers["Vary"]


def test_requests_without_origin_are_served_without_cors_headers(rpc_post):
    response = rpc_post(call("echo", "x"), origin=None)
    assert body(response)["result"] == "x"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]


def test_allowed_origins_come_from_config():
    client = create_app({"TESTING": True,
                         "CORS_ALLOWED_ORIGINS": ["https://app.example"]}).test_client()
    headers = {"Content-Type": "application/json-rpc"}
    data = json.dumps(call("echo", "x"))
    ok = client.post("/json_echo/", data=data, headers={**headers, "Origin": "https://app.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://app.example"
    refused = client.post("/json_echo/", data=data, headers={**headers, "Origin": PAGE})
    assert refused.status_code == 403


def test_allowed_origins_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://a.example, https://b.example")
    app = create_app({"TESTING": True})
    assert app.config["CORS_ALLOWED_ORIGINS"] == ["https://a.example", "https://b.example"]
    response = app.test_client().options("/json_echo/", headers={"Origin": "https://b.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://b.example"


def test_star_is_an_explicit_opt_in_without_credentials():
    client = create_app({"TESTING": True, "CORS_ALLOWED_ORIGINS": ["*"]}).test_client()
    response = client.options("/json_echo/", headers={"Origin": "http://anywhere.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_max_age_and_headers_are_configurable():
    client = create_app({"TESTING": True, "CORS_MAX_AGE": 600,
                         "CORS_ALLOW_HEADERS": ["Content-Type", "X-Token"]}).test_client()
    response = client.options("/json_echo/", headers={"Origin": PAGE})
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert response.headers["Access-Control-Allow-Headers"] == "Content-Type, X-Token"


def test_no_redirect_between_path_spellings(echo_client):
    for path in ENDPOINTS:
        response = echo_client.options(path, headers={"Origin": PAGE})
        assert response.status_code == 204, path
