"""What a client sees of a task's stored state: its state name, its progress, its revision.

A task reports progress with Celery's own ``self.update_state(state="PROGRESS",
meta={"current": c, "total": t})``; :func:`progress` reads it back. :func:`revision` is the
short string a follower compares (``get_result(task_id, wait, since_revision)``): it changes
whenever the state or the progress does.
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


def revision(meta: dict) -> str:
    """An opaque string that changes whenever the task's state or progress changes.

    >>> revision({"status": "SENT", "result": None})
    'PENDING'
    >>> revision({"status": "PROGRESS", "result": {"current": 3, "total": 10}})
    'PROGRESS:3/10'
    """
    state = client_state(meta)
    done = progress(meta)
    if done is None:
        return state
    return f"{state}:{done['current']}/{done['total']}"
