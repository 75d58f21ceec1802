"""Server-Sent Events of a task's answers: one ``GET`` per followed task, however many
progress steps it reports.

:func:`task_events_view` makes the view; an app routes it beside its ``CeleryMethods``
endpoint (the flaskcelery example: ``/json_celery_class/events``)::

    app.add_url_rule("/json_celery_class/events", "json_celery_events",
                     task_events_view(celery_methods), methods=["GET"])

``GET /json_celery_class/events?task_id=T[&since_revision=R][&wait=S]`` answers
``text/event-stream``. Each event is the object ``get_result`` answers (``{"task_id",
"state", "revision", ...}``), sent as soon as the task's revision differs from the last one
sent (or from ``R``; the ``Last-Event-ID`` header of a reconnecting ``EventSource`` wins over
it), with ``id:`` = the revision::

    id: 3f2a...
    data: {"task_id":"T","state":"PROGRESS","revision":"3f2a...","progress":{...}}

The stream ends after the task's final event (``SUCCESS``, ``REVOKED``), after an
``event: error`` whose data is a JSON-RPC error object (-32004 unknown id, -32001 the task
failed, -32003, -32007, -32602), or with ``event: reconnect`` once ``wait`` s (at most
``RPC_MAX_WAIT``) have passed or the server stops: the client opens a new stream from the
last revision it has.

While it waits the stream is parked on the process's result watcher like a long-poll (no
thread spins; it counts against ``LONG_POLL_MAX_WAITERS`` and the per-client limit), is
released when its client goes (:mod:`flask_pyjamas.web.hangups`) and ends when the server
stops (:mod:`flask_pyjamas.web.stopping`). Origins are checked as for the ``POST``: a refused
one gets 403 with a JSON-RPC error; an allowed one ``Access-Control-Allow-Origin`` (a ``GET``
without custom headers: no preflight). ``Cache-Control: no-cache`` and ``X-Accel-Buffering:
no`` keep proxies from buffering it.
"""

import json
import math
import time

from celery.states import READY_STATES
from flask import Response, current_app, request, stream_with_context

from flask_pyjamas.protocol.jsonrpc import RPCError, ServerError
from flask_pyjamas.tasks.errors import (
    BACKEND_ERRORS,
    TOO_MANY_WAITERS,
    backend_unavailable,
    task_meta,
)
from flask_pyjamas.tasks.methods import CeleryMethods, checked_id
from flask_pyjamas.tasks.result_watcher import TooManyWaiters, revision
from flask_pyjamas.tasks.waiting import client_address, result_watcher
from flask_pyjamas.web.connection import request_arrival
from flask_pyjamas.web.extension import jsonrpc_endpoint
from flask_pyjamas.web.hangups import hangup_watch
from flask_pyjamas.web.transport import cors_policy, origin_refused

__all__ = ["task_events_view"]

EVENT_STREAM = "text/event-stream"
# No proxy may buffer or cache a stream (nginx reads X-Accel-Buffering).
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def task_events_view(methods: CeleryMethods):
    """A view function (``GET``) streaming the answers of ``methods.get_result`` for the task
    of ``?task_id=`` as Server-Sent Events (see the module's docs); marked as a JSON-RPC
    endpoint (:func:`~flask_pyjamas.web.extension.jsonrpc_endpoint`)."""

    @jsonrpc_endpoint
    def task_events() -> Response:
        origin = request.headers.get("Origin")
        policy = cors_policy()
        if not policy.allows(origin):
            return origin_refused(origin)
        since = request.headers.get("Last-Event-ID") or request.args.get("since_revision")
        max_wait = float(current_app.config["RPC_MAX_WAIT"])
        try:
            wait = min(float(request.args.get("wait", max_wait)), max_wait)
        except ValueError:
            wait = max_wait
        if not math.isfinite(wait):  # "nan" (and "-inf") would never end the stream's waits
            wait = max_wait
        events = _events(methods, request.args.get("task_id"), since or None,
                         request_arrival(request.environ) + wait)
        response = Response(stream_with_context(events), mimetype=EVENT_STREAM)
        response.headers.update(STREAM_HEADERS)
        response.headers.update(policy.response_headers(origin))
        response.cors_added = True
        return response

    return task_events


def _events(methods: CeleryMethods, task_id, since: str | None, deadline: float):
    """The stream's text: a comment at once (the headers go out), then the events."""
    yield ": task events\n\n"
    try:  # (a malformed task id is -32602, from checked_id)
        task_id = checked_id(task_id)
        meta = methods.known_meta(task_id)
        while True:
            done = meta["status"] in READY_STATES
            if done or revision(meta) != since:
                since = revision(meta)
                yield _event(_json(methods.result_reply(task_id, meta)), event_id=since)
            if done:
                return
            watcher = result_watcher()
            if watcher.closing or time.monotonic() >= deadline:
                yield _event("{}", name="reconnect")
                return
            meta = _next_change(watcher, task_id, since, deadline)
            if meta is None:
                return  # the client has gone
    except RPCError as exc:
        yield _event(_json(exc.to_dict()), name="error")


def _next_change(watcher, task_id: str, since: str, deadline: float) -> dict | None:
    """The task's meta once it changes from ``since``, is done, the deadline passes or the
    server stops; None if the client closed the connection meanwhile."""
    try:
        waiter = watcher.park(task_id, deadline, since, client_address())
    except TooManyWaiters as exc:
        data = {"retry_after": exc.retry_after,
                "max_waiters_per_client" if exc.per_client else "max_waiters": exc.limit}
        raise ServerError("Too many waiting requests: try again later",
                          code=TOO_MANY_WAITERS, data=data) from None
    gone = []

    def on_hangup():
        gone.append(True)
        watcher.release(waiter)

    entry = hangup_watch().watch(request.environ, on_hangup)
    try:
        _, meta = watcher.collect(waiter)
    except BACKEND_ERRORS as exc:
        raise backend_unavailable(exc) from None
    finally:
        hangup_watch().unwatch(entry)
    if gone:
        return None
    return meta if meta is not None else task_meta(task_id)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _event(data: str, event_id: str | None = None, name: str | None = None) -> str:
    lines = []
    if name is not None:
        lines.append(f"event: {name}")
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"data: {data}")
    return "\n".join(lines) + "\n\n"

