"""A request is dated by its connection's last received bytes (``TCP_INFO``), not by when
the server reads it: a busy process's long-polls count ``RPC_MAX_WAIT`` from the client's
request. Unit tests of ``flask_pyjamas.web.connection`` on a real loopback TCP connection."""

import socket
import sys
import time

import pytest

from flask_pyjamas.web.connection import request_arrival, request_socket
from tests.support.waiting import wait_for

READ_LATER = 0.3  # s between the request's arrival and its reading by a busy server


@pytest.fixture
def connection():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    yield client, server
    for sock in (client, server, listener):
        sock.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="TCP_INFO is Linux's")
def test_a_request_read_late_is_dated_by_its_arrival(connection):
    client, server = connection
    client.sendall(b"POST / HTTP/1.1\r\n\r\n")
    sent = time.monotonic()
    server.recv(100)  # in, and read
    wait_for(lambda: time.monotonic() - sent >= READ_LATER, what="the server to be late")
    arrival = request_arrival({"gunicorn.socket": server})
    assert sent - 0.05 <= arrival <= sent + 0.05  # jiffies: a few ms of resolution
    assert request_arrival({"werkzeug.socket": server}) == pytest.approx(arrival, abs=0.02)


def test_without_a_tcp_socket_a_request_is_dated_when_read(tmp_path):
    before = time.monotonic()
    assert before <= request_arrival({}) <= time.monotonic()
    with socket.socket(socket.AF_UNIX) as unix:  # gunicorn --bind unix:...
        assert request_socket({"gunicorn.socket": unix}) is unix
        assert before <= request_arrival({"gunicorn.socket": unix}) <= time.monotonic()
