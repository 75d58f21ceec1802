"""A task's events stream (Server-Sent Events) through the shipped nginx and Apache sites:
each event reaches the page as it is sent, not when the stream ends (nginx
``proxy_buffering off``, Apache ``flushpackets=on``, and the app's ``X-Accel-Buffering:
no``). The production gunicorn behind each, on the embedded broker, with no worker: a task
stays pending until it is cancelled.
"""

import http.client
import json

from tests.e2e.test_deploy_security import site  # noqa: F401  (a fixture)
from tests.e2e.test_docs import site_root  # noqa: F401  (a fixture)

STREAM_WAIT = 25  # s, the stream's longest wait (RPC_MAX_WAIT): a buffered stream ends then
READ_TIMEOUT = 15  # s: a buffering proxy gives nothing before the stream's end


def post(port: int, origin: str, method: str, params: dict) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=READ_TIMEOUT)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    connection.request("POST", "/json_celery_class", body,
                       {"Content-Type": "application/json-rpc", "Origin": origin})
    reply = json.loads(connection.getresponse().read())
    connection.close()
    return reply["result"]


def events(response):
    """The ``data`` of each event of the stream, as it is read."""
    data = []
    for raw in response:
        line = raw.decode().rstrip("\n")
        if line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and data:
            yield json.loads("\n".join(data))
            data = []


def test_each_event_passes_the_proxy_as_it_is_sent(site):  # noqa: F811
    base, origin = site
    port = int(base.rsplit(":", 1)[1])
    task_id = post(port, origin, "echo", {"text": "later", "countdown": 3600})["task_id"]
    stream = http.client.HTTPConnection("127.0.0.1", port, timeout=READ_TIMEOUT)
    stream.request("GET", f"/json_celery_class/events?task_id={task_id}&wait={STREAM_WAIT}",
                   headers={"Accept": "text/event-stream", "Origin": origin})
    response = stream.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    assert response.getheader("Access-Control-Allow-Origin") == origin
    received = events(response)
    # Read while the stream is still open (it waits up to 25 s for a change, and the read
    # gives up after 15): a proxy that held the stream back would time the read out here.
    assert next(received)["state"] == "PENDING"
    assert post(port, origin, "cancel", {"task_id": task_id})["state"] == "REVOKED"
    assert [event["state"] for event in received] == ["REVOKED"]  # then the stream ends
    stream.close()
