"""What the server can learn of a request from its TCP connection: the socket itself, and
when the request reached this machine.

A long-poll waits at most ``RPC_MAX_WAIT`` seconds, counted from the request's arrival. A
busy process may read a request a while after it arrived: a thousand arriving at once on one
process are read over a second or more, and counted from their reading, the last of them
would answer that much later than promised. :func:`request_arrival` dates the request by its
connection's last received bytes (Linux's ``TCP_INFO``: ``tcpi_last_data_recv``), so the
waits count from the moment the client's request was in. Elsewhere (not Linux, a Unix
socket, a server that does not give its socket) the request is dated when read.
"""

import socket
import struct
import sys
import time

__all__ = ["request_arrival", "request_socket"]

# WSGI environ keys of the connection's socket: gunicorn's, Werkzeug's development server's.
SOCKET_KEYS = ("gunicorn.socket", "werkzeug.socket")

# Linux's layout only (FreeBSD has a TCP_INFO of another layout).
_TCP_INFO = getattr(socket, "TCP_INFO", None) if sys.platform.startswith("linux") else None
# struct tcp_info (linux/tcp.h, unchanged since 2.6): eight u8 fields, then u32s, of which
# tcpi_last_data_recv (ms since data last came in) is the twelfth.
_LAST_DATA_RECV = struct.Struct("=I")
_LAST_DATA_RECV_OFFSET = 8 + 11 * 4
_TCP_INFO_SIZE = 104  # the kernel copies at most what is asked: the fields up to here


def request_socket(environ: dict):
    """The socket of the request of ``environ``, or None if the server does not give it."""
    return next((environ[key] for key in SOCKET_KEYS if key in environ), None)


def request_arrival(environ: dict) -> float:
    """The ``time.monotonic()`` at which the request of ``environ`` was received (its
    connection's last bytes in); now where that cannot be read."""
    now = time.monotonic()
    sock = request_socket(environ)
    if sock is None or _TCP_INFO is None:
        return now
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, _TCP_INFO_SIZE)
    except (OSError, ValueError, AttributeError):  # not TCP, closed, or not a socket
        return now
    if len(info) < _LAST_DATA_RECV_OFFSET + _LAST_DATA_RECV.size:
        return now
    (ms_ago,) = _LAST_DATA_RECV.unpack_from(info, _LAST_DATA_RECV_OFFSET)
    return now - ms_ago / 1000
