"""Start a Celery task behind JSON-RPC, or take the id of one, and follow it to its end.

A :class:`TaskFollower` talks to a :class:`pyjamas.JSONService.JSONProxy` of a
``CeleryMethods`` endpoint (``/json_celery_class``) and calls its page's handler::

    onTaskStarted(follower)              the task id is known: follower.task_id  (optional)
    onTaskAnswer(follower, answer)       each answer before the end: {"state", "progress"...}
    onTaskNotice(follower, text)         reconnecting, or no worker yet          (optional)
    onTaskDone(follower, result)         SUCCESS: the task's result
    onTaskCancelled(follower)            REVOKED (cancelled here, or elsewhere)
    onTaskError(follower, text)          the task failed, expired, or cannot be followed

How it follows (live, the default): the start asks the server to wait a moment
(``start_wait_seconds``) so that a quick task's result comes in the start's own answer (one
request per job); then, in a browser (``EventSource``), the task's events stream
(``events_url``, by default the service's URL + ``/events``:
:func:`flask_pyjamas.task_events_view`), one ``GET`` that carries every change until the
task ends (a new one every ``wait`` s while it runs). Where there is no ``EventSource``
(CPython: the desktop window), and for the next request after a stream failed (an error or a
non-200, which ``EventSource`` gives up on), it long-polls: ``get_result(task_id, wait,
since_revision)``, which the server answers as soon as the task's state or progress changes
(or when ``wait`` runs out), asked again at once: one request per progress step, none while
nothing changes. Either way one request is open per task. After ``MAX_STREAM_FAILURES``
streams in a row failed without an event (a proxy that buffers, a server without the stream)
it long-polls for good. With ``poll_millis`` > 0 it polls instead, as the 2012 page did: a
``get_result`` every ``poll_millis`` ms.

Failures: transient ones (no response, 502/503/504, -32000, -32003, -32007) are retried with
capped exponential backoff and jitter (:class:`.retry.RetryPolicy`) and reported with
``onTaskNotice`` ("reconnecting"); permanent ones end the follower with ``onTaskError``. A
start whose answer was lost is not sent twice: the follower asks ``get_result`` first, and
sends the start again (same task id) only if the server never heard of it (-32004).

A task still ``PENDING`` after ``no_worker_millis`` gets the notice "no worker has picked
this up yet". With a ``store`` (:class:`.followed_tasks.FollowedTasks`) the task id is kept
while it is followed, so that the page can follow it again after a reload.
"""

# __pragma__ ('kwargs')

from flask_pyjamas.client import runtime
from flask_pyjamas.client.error_text import remote_error_text
from flask_pyjamas.client.retry import RetryPolicy
from pyjamas.Timer import Timer

LONG_POLL_SECONDS = 20  # below the server's RPC_MAX_WAIT (25 s) and proxies' 30-s timeouts
START_WAIT_SECONDS = 0.25  # a quick task's result in the start's answer; progress soon after
NO_WORKER_MILLIS = 10000
MAX_STREAM_FAILURES = 3
NO_WORKER_TEXT = "no worker has picked this up yet"
UNKNOWN_TASK = -32004
TASK_FAILED = -32001


class TaskFollower:
    """Follows one task at a time for ``handler`` (see the module's docstring).

    ``service``: the JSON-RPC proxy of the tasks endpoint (it needs ``callMethod``);
    ``progress_bar``: a :class:`.progress_bar.ProgressBar` kept up to date (optional);
    ``poll_millis``: 0 for live following, else the polling period; ``store`` and
    ``caption``: where to keep the task id while it is followed, with the page's text for it;
    ``retry``: a :class:`.retry.RetryPolicy`; ``events_url``: the task events stream (None:
    the service's URL + ``/events``; "": never stream)."""

    def __init__(self, service, handler, progress_bar=None, poll_millis=0, store=None,
                 caption="", retry=None, wait_seconds=LONG_POLL_SECONDS,
                 start_wait_seconds=START_WAIT_SECONDS, no_worker_millis=NO_WORKER_MILLIS,
                 events_url=None):
        self.service = service
        self.handler = handler
        self.progress_bar = progress_bar
        self.poll_millis = poll_millis
        self.store = store
        self.caption = caption
        self.retry = RetryPolicy() if retry is None else retry
        self.wait_seconds = wait_seconds
        self.start_wait_seconds = start_wait_seconds
        self.no_worker_millis = no_worker_millis
        if events_url is None:
            url = getattr(service, "url", None)
            events_url = url + "/events" if url else ""
        self.events_url = events_url
        self.task_id = None
        self.state = None
        self.revision = None
        self.active = False
        self.requests = 0  # requests sent for this task (the start included)
        self.polls = 0  # get_result requests among them
        self.started_at = 0
        self._call = 0  # the number of the one call whose answer counts
        self._start = None  # [method, params] until the server has heard of the task
        self._attempt = 0
        self._failing_since = None
        self._pending_since = None
        self._no_worker_said = False
        self._answered_once = False
        self._stream = None  # the open events stream, if any
        self._stream_failures = 0  # streams failed in a row without an event
        self._stream_failed_last = False  # the next request long-polls
        self._timer = Timer(notify=self._fire)

    # -- what a page calls ---------------------------------------------------------------

    def start(self, method, params=None):
        """Start the task ``method`` with the named ``params`` (a dict) under a new task id,
        and follow it."""
        self._begin(runtime.new_task_id())
        self._start = [method, {} if params is None else params]
        self._send_start()

    def follow(self, task_id):
        """Follow the task ``task_id`` (started elsewhere, or before a reload)."""
        self._begin(task_id)
        self._ask()

    def cancel(self):
        """Cancel the task followed: stop following, ask the server to revoke it; the handler
        hears ``onTaskCancelled`` once the server said so. False if nothing is followed."""
        if not self.active:
            return False
        self._finish()
        self.service.callMethod("cancel", {"task_id": self.task_id}, CancelCall(self))
        return True

    def stop(self):
        """Stop following (the task goes on; the page forgets it)."""
        if self.active:
            self._finish()

    def elapsed_millis(self):
        """Time since the start: counted in polls when polling (the 2012 page's figure)."""
        if self.poll_millis > 0:
            return self.polls * self.poll_millis
        return int(runtime.now_millis() - self.started_at)

    def elapsed_text(self):
        """``Elapsed Time: T ms (N polls)`` when polling, ``(N requests)`` when live."""
        if self.poll_millis > 0:
            count = str(self.polls) + " polls"
        else:
            count = str(self.requests) + " requests"
        return "Elapsed Time: " + str(self.elapsed_millis()) + " ms (" + count + ")"

    # -- requests ------------------------------------------------------------------------

    def _begin(self, task_id):
        self.stop()
        self.task_id = task_id
        self.state = None
        self.revision = None
        self.active = True
        self.requests = 0
        self.polls = 0
        self.started_at = runtime.now_millis()
        self._start = None
        self._attempt = 0
        self._failing_since = None
        self._pending_since = self.started_at
        self._no_worker_said = False
        self._answered_once = False
        self._stream_failures = 0
        self._stream_failed_last = False
        if self.store is not None:
            self.store.add(task_id, self.caption)
        if self.progress_bar is not None:
            self.progress_bar.reset()
        if hasattr(self.handler, "onTaskStarted"):
            self.handler.onTaskStarted(self)

    def _send_start(self):
        params = {}
        for key in self._start[1].keys():
            params[key] = self._start[1][key]
        params["task_id"] = self.task_id
        if self.poll_millis <= 0 and self.start_wait_seconds > 0:
            params["wait"] = self.start_wait_seconds
        self._send(self._start[0], params)

    def _ask(self):
        if self._streams():
            self._open_stream()
            return
        params = {"task_id": self.task_id}
        if self.poll_millis <= 0:
            if self.revision is not None:
                params["wait"] = self._wait_seconds()
                params["since_revision"] = self.revision
            elif not self._answered_once:
                params["wait"] = 0  # (resumed: the state now, with the revision to wait on)
            else:
                params["wait"] = self._wait_seconds()  # a server without revisions
        self.polls += 1
        self._send("get_result", params)

    def _streams(self):
        """Whether the next request is the events stream."""
        return (self.poll_millis <= 0 and self.events_url != "" and not self._stream_failed_last
                and self._stream_failures < MAX_STREAM_FAILURES
                and runtime.event_stream_available())

    def _open_stream(self):
        self._close_stream()
        self._call += 1
        self.requests += 1
        url = (self.events_url + "?task_id=" + runtime.url_quote(self.task_id)
               + "&wait=" + str(self._wait_seconds()))
        if self.revision is not None:
            url += "&since_revision=" + runtime.url_quote(self.revision)
        self._stream = runtime.open_event_stream(url, StreamCall(self, self._call))

    def _close_stream(self):
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def _wait_seconds(self):
        """The long-poll's wait; while the task is PENDING, no longer than until it is time
        to say that no worker has picked it up."""
        wait = self.wait_seconds
        if self._pending_since is not None and not self._no_worker_said:
            left = (self.no_worker_millis - (runtime.now_millis() - self._pending_since)) / 1000
            if left < wait:
                wait = left if left > 0.1 else 0.1
        return wait

    def _send(self, method, params):
        self._call += 1
        self.requests += 1
        self.service.callMethod(method, params, FollowCall(self, self._call))

    def _fire(self, timer):
        if not self.active:
            return
        self._ask()

    def _next(self):
        if self.poll_millis > 0:
            self._timer.schedule(self.poll_millis)
        else:
            self._ask()

    def _finish(self):
        self.active = False
        self._close_stream()
        self._call += 1  # answers still on their way are ignored
        self._timer.cancel()
        if self.store is not None and self.task_id is not None:
            self.store.remove(self.task_id)

    # -- answers -------------------------------------------------------------------------

    def _answered(self, call, answer, streamed=False):
        if call != self._call or not self.active:
            return  # an answer to a call this follower no longer waits for
        if streamed:
            self._stream_failures = 0
        else:
            self._stream_failed_last = False  # the server answers: try the stream again
        self._start = None
        self._answered_once = True
        self._attempt = 0
        self._failing_since = None
        if not isinstance(answer, dict):
            self._fail("Could not get remote response as a dictionary")
            return
        state = answer.get("state")
        self.state = state
        if answer.get("revision") is not None:
            self.revision = answer["revision"]
        if "result" in answer or "echo" in answer or state == "SUCCESS":
            if self.progress_bar is not None:
                self.progress_bar.setDone()
            self._finish()
            self.handler.onTaskDone(self, task_result(answer))
            return
        if state == "REVOKED":
            self._cancelled()
            return
        progress = answer.get("progress")
        if self.progress_bar is not None and isinstance(progress, dict):
            self.progress_bar.setProgress(progress.get("current"), progress.get("total"))
        if state is not None:  # (the plain {"task_id"} of a start without wait: no news)
            self.handler.onTaskAnswer(self, answer)
        self._check_worker(state)
        if self.active and not streamed:  # (a stream goes on by itself)
            self._next()

    def _check_worker(self, state):
        if state is not None and state != "PENDING":
            self._pending_since = None
            self._no_worker_said = False
            return
        now = runtime.now_millis()
        if self._pending_since is None:
            self._pending_since = now
        if self._no_worker_said or now - self._pending_since >= self.no_worker_millis:
            self._no_worker_said = True
            seconds = str(int((now - self._pending_since) / 1000))
            self._notice("Task " + self.task_id + ": " + NO_WORKER_TEXT + " (waiting for "
                         + seconds + " s; is a Celery worker running?)")

    def _stream_ended(self, call):
        """The stream ended after its ``wait``: say if no worker took the task, open a new
        one from the last revision."""
        if call != self._call or not self.active:
            return
        self._close_stream()
        self._check_worker(self.state)
        if self.active:
            self._ask()

    def _stream_failed(self, call):
        """The stream failed (no connection, a non-200, cut): the next request long-polls,
        and its answer or error says what it is (with the retry policy's backoff)."""
        if call != self._call or not self.active:
            return
        self._close_stream()
        self._stream_failures += 1
        self._stream_failed_last = True
        self._ask()

    def _failed(self, call, code, error):
        if call != self._call or not self.active:
            return
        self._close_stream()
        error_code = error["code"] if isinstance(error, dict) and "code" in error else 0
        if self._start is not None and code == 0 and error_code == UNKNOWN_TASK:
            self._send_start()  # the lost start never reached the server: send it again
            return
        if not self.retry.is_transient(code, error):
            self._fail(self._permanent_text(code, error, error_code))
            return
        now = runtime.now_millis()
        if self._failing_since is None:
            self._failing_since = now
        failing = now - self._failing_since
        if self.retry.gives_up(failing):
            self._fail("Gave up after " + str(int(failing / 1000)) + " s without an answer: "
                       + remote_error_text(code, error))
            return
        delay = self.retry.delay_millis(self._attempt, runtime.random_fraction(), error)
        self._attempt += 1
        self._notice("Reconnecting in " + seconds_text(delay) + " (no answer for "
                     + seconds_text(failing) + "): " + remote_error_text(code, error))
        self._timer.schedule(delay if delay > 0 else 1)

    def _permanent_text(self, code, error, error_code):
        text = remote_error_text(code, error)
        if code == 0 and error_code == UNKNOWN_TASK:
            return ("Task " + str(self.task_id) + ": unknown, or its result has expired ("
                    + text + ")")
        if code == 0 and error_code == TASK_FAILED:
            return "Task " + str(self.task_id) + " failed (" + text + ")"
        return text

    def _cancelled(self):
        if self.progress_bar is not None:
            self.progress_bar.reset()
        self._finish()
        self.handler.onTaskCancelled(self)

    def _fail(self, text):
        self._finish()
        self.handler.onTaskError(self, text)

    def _notice(self, text):
        if hasattr(self.handler, "onTaskNotice"):
            self.handler.onTaskNotice(self, text)


class FollowCall:
    """The handler of one request of a :class:`TaskFollower`: passes the answer on with the
    call's number, so that a late answer to an abandoned call is recognised."""

    def __init__(self, follower, call):
        self.follower = follower
        self.call = call

    def onRemoteResponse(self, response, request_info):
        self.follower._answered(self.call, response)

    def onRemoteError(self, code, errobj, request_info):
        self.follower._failed(self.call, code, errobj)


class StreamCall:
    """The handler of one events stream of a :class:`TaskFollower` (see
    :func:`.runtime.open_event_stream`), with the call's number as :class:`FollowCall`."""

    def __init__(self, follower, call):
        self.follower = follower
        self.call = call

    def onStreamEvent(self, name, value):
        if name == "message":
            self.follower._answered(self.call, value, True)
        elif name == "error":  # a JSON-RPC error object: as the same error of a get_result
            self.follower._failed(self.call, 0, value)
        elif name == "reconnect":
            self.follower._stream_ended(self.call)

    def onStreamFailed(self):
        self.follower._stream_failed(self.call)


class CancelCall:
    """The handler of ``cancel(task_id)``: a REVOKED task resets the bar and tells the page."""

    def __init__(self, follower):
        self.follower = follower

    def onRemoteResponse(self, response, request_info):
        follower = self.follower
        if follower.progress_bar is not None:
            follower.progress_bar.reset()
        follower.state = "REVOKED"
        follower.handler.onTaskCancelled(follower)

    def onRemoteError(self, code, errobj, request_info):
        self.follower.handler.onTaskError(self.follower, "Cancel failed: "
                                          + remote_error_text(code, errobj))


def task_result(answer):
    """The result in a SUCCESS answer: ``answer["result"]`` (``"echo"`` from servers of the
    2012 protocol, which knew no other key)."""
    return answer["result"] if "result" in answer else answer.get("echo")


def seconds_text(millis):
    """``1500`` -> ``"1.5 s"``."""
    tenths = int(millis / 100)
    return str(int(tenths / 10)) + "." + str(tenths % 10) + " s"
