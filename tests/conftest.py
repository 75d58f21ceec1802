"""Fixtures shared by every test module; the process, browser and service helpers live in
tests/support/ and are loaded as plugins."""

import json

import pytest

from flask_pyjamas.protocol.jsonrpc import MethodRegistry
from flask_pyjamas.web.views import JSONRPCView
from tests.support.tiny_app import create_app

pytest_plugins = [
    "tests.support.processes",
    "tests.support.browser",
    "tests.support.services",
    "tests.support.desktop",
]

PAGE_ORIGIN = "http://localhost:8000"


@pytest.fixture
def echo_app():
    """The tests' tiny app with its default settings (the demo's two page origins allowed)."""
    return create_app({"TESTING": True})


@pytest.fixture
def echo_client(echo_app):
    return echo_app.test_client()


@pytest.fixture
def rpc_post(echo_client):
    """POST a JSON-RPC body the way the page on localhost:8000 does; returns the response."""

    def post(body, path="/json_echo/", origin=PAGE_ORIGIN, content_type="application/json-rpc"):
        headers = {}
        if origin is not None:
            headers["Origin"] = origin
        if content_type is not None:
            headers["Content-Type"] = content_type
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return echo_client.post(path, data=data, headers=headers)

    return post


@pytest.fixture
def spy_calls(echo_app):
    """Methods at ``/spy`` that record each call: proof of whether a method ran.

    ``spy`` records and returns None; ``opaque`` returns an object JSON cannot carry.
    """
    calls = []

    class SpyView(JSONRPCView):
        rpc_methods = MethodRegistry()

    SpyView.rpc_methods.method(lambda: calls.append("spy"), name="spy")
    SpyView.rpc_methods.method(lambda: object(), name="opaque")
    SpyView.register(echo_app, "/spy", "spy")
    return calls
