"""What a client sees of a task's stored state: its state name and its progress.

A task reports progress with Celery's own ``self.update_state(state="PROGRESS",
meta={"current": c, "total": t})``; :func:`progress` reads it back. Its revision, the short
string a follower compares (``get_result(task_id, wait, since_revision)``), is
:func:`.result_watcher.revision`'s.
"""

PROGRESS = "PROGRESS"  # Celery's convention for a running task with meta {"current", "total"}
SENT = "SENT"  # the library's own state: issued by a web process, not started by a worker


def client_state(meta: dict) -> str:
    """The state a client sees: ``SENT`` is shown as ``PENDING`` (waiting for a worker)."""
    state = meta.get("status")
    return "PENDING" if state == SENT else str(state)


def progress(meta: dict) -> dict | None:
    """``{"current", "total"}`` of a ``PROGRESS`` meta, else None.

    >>> progress({"status": "PROGRESS", "result": {"current": 3, "total": 10}})
    {'current': 3, 'total': 10}
    >>> progress({"status": "STARTED", "result": {"pid": 42}}) is None
    True
    """
    result = meta.get("result")
    if meta.get("status") != PROGRESS or not isinstance(result, dict):
        return None
    return {"current": result.get("current"), "total": result.get("total")}

