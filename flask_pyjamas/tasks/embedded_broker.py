"""The embedded broker's transport: kombu's filesystem transport, with atomic writes and no
message lost when a worker dies. Registered as ``flaskcelery-fs://``.

**Atomic writes.** kombu's filesystem transport writes a message straight into the queue
folder, and a worker polling that folder may take the file before it is fully written: it
reads an empty or cut message, and the worker stops with an unrecoverable
``JSONDecodeError`` (seen here with ten tasks published at once). This transport writes each
message under a name no queue reads, then renames it into place, which is atomic on one file
system: a reader sees the whole message or none of it.

**At least once.** kombu's transport deletes a message file when a worker takes it and keeps
the message only in that worker's memory until it is acknowledged, so a worker killed with
``SIGKILL`` lost every task it held: the running ones, the prefetched ones and the countdown
(ETA) ones, which Celery holds unacknowledged until they are due. This transport instead
renames a message it delivers into a folder of the receiving process,
``unacked/<host>@<pid>@<start time>/``, deletes it there on acknowledgement, and writes it back
to its queue on a reject with requeue or when the worker shuts down. Every process that opens
the broker, and a running worker every :data:`flask_pyjamas.settings.EMBEDDED_ORPHAN_CHECK_INTERVAL`
seconds, moves the messages of dead processes back into their queues: a process of this
host whose pid no longer runs, or runs a newer process (its start time differs). So a
killed worker's tasks run again on a restarted or another worker, and a task that was running
may run twice. Messages consumed without acknowledgement (broadcasts: revoke, inspect
replies) are deleted when they are read, as before: at most once.

The broker serves the workers of one machine: the owner check reads ``/proc`` (Linux), and
the messages held by a process of another host sharing the folder are left alone.

:func:`prepare_embedded` creates what the broker needs on disk (its URL and options are
:func:`flask_pyjamas.settings.embedded_broker`), for the owner only: folders 0700, message
files 0600, whatever the umask (gunicorn's is 0); a folder others could read or change is
refused (:mod:`flask_pyjamas.tasks.private_folder`).
"""

import logging
import os
import socket
import sqlite3
import uuid
from functools import lru_cache
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

from flask_pyjamas.settings import EMBEDDED_ORPHAN_CHECK_INTERVAL, EMBEDDED_SCHEME
from flask_pyjamas.tasks.private_folder import FOLDER_MODE, create_private_file, secure_folder

TRANSPORT_ALIASES.setdefault(EMBEDDED_SCHEME, "flask_pyjamas.tasks.embedded_broker:Transport")

log = logging.getLogger(__name__)


def process_start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from ``/proc``); None if it
    does not run. With the pid it names one process: a reused pid has another start time."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22; the fields after the command name, which may hold spaces, start at field 3.
    return stat.rpartition(")")[2].split()[19]


@lru_cache
def owner_name(pid: int) -> str:
    """The name of the unacked folder of process ``pid`` of this host."""
    return f"{socket.gethostname()}@{pid}@{process_start_time(pid)}"


def owner_is_dead(name: str) -> bool:
    """True if the folder ``name`` belongs to a process of this host that no longer runs."""
    host, _, rest = name.partition("@")
    pid, _, start = rest.partition("@")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's process, or not an owner folder: leave it alone
    return process_start_time(int(pid)) != start


class QoS(virtual.QoS):
    """kombu's bookkeeping of unacknowledged messages, plus their files."""

    def ack(self, delivery_tag):
        super().ack(delivery_tag)
        self.channel.release(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        super().reject(delivery_tag, requeue=requeue)  # requeue: written back by _restore
        self.channel.release(delivery_tag)


class Channel(filesystem.Channel):
    QoS = QoS

    def __init__(self, connection, **kwargs):
        super().__init__(connection, **kwargs)
        self._no_ack_queues: set[str] = set()
        self._held: dict[str, Path] = {}  # delivery tag -> the message's file while unacked
        self._next_orphan_check = 0.0
        self.return_orphans()  # a worker starting after a crash takes the crashed one's tasks

    @cached_property
    def unacked_folder(self) -> Path:
        return Path(self.transport_options.get("unacked_folder", "unacked"))

    @cached_property
    def orphan_check_interval(self) -> float:
        return float(self.transport_options.get("orphan_check_interval",
                                                EMBEDDED_ORPHAN_CHECK_INTERVAL))

    def _put(self, queue, payload, **kwargs):
        """Put ``payload`` onto ``queue``, whole or not at all."""
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot: kombu takes a file for queue q only if its name ends in ".q.msg"
        # after the first dot, and this one's first dot is its first character.
        staging = os.path.join(self.data_folder_out, f".{uuid.uuid4()}.tmp")
        try:
            with os.fdopen(create_private_file(staging), "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.rename(staging, final)
        except OSError as exc:
            try:
                os.unlink(staging)
            except OSError:
                pass
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        """Take the oldest message of ``queue`` into this process's unacked folder."""
        if monotonic() >= self._next_orphan_check:
            self.return_orphans()
        wanted = f"{queue}.msg"  # kombu's naming: <time>_<uuid>.<queue>.msg
        no_ack = queue in self._no_ack_queues
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            # Into this process's folder until acknowledged; a message nothing acknowledges
            # (a broadcast) under a name no queue reads, deleted once read: never replayed.
            taken = (Path(self.data_folder_in, f".{name}.taken") if no_ack
                     else self._held_folder() / name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), taken)
            except FileNotFoundError:
                continue  # another process took it first
            try:
                payload = loads(bytes_to_str(taken.read_bytes()))
            except OSError as exc:
                raise ChannelError(f"Cannot read file {str(taken)!r} from queue.") from exc
            if no_ack:
                taken.unlink()
            else:
                self._held[payload["properties"]["delivery_tag"]] = taken
            return payload
        raise Empty()

    def _held_folder(self) -> Path:
        folder = self.unacked_folder / owner_name(os.getpid())
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        return folder

    def release(self, delivery_tag) -> None:
        """Forget a message that was acknowledged, rejected or written back to its queue."""
        held = self._held.pop(delivery_tag, None)
        if held is not None:
            held.unlink(missing_ok=True)

    def _restore(self, message):
        super()._restore(message)  # a copy back in its queue first: a crash here duplicates
        self.release(message.delivery_tag)

    def basic_consume(self, queue, no_ack, *args, **kwargs):
        if no_ack:
            self._no_ack_queues.add(queue)
        else:
            self._no_ack_queues.discard(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_get(self, queue, no_ack=False, **kwargs):
        message = super().basic_get(queue, no_ack=no_ack, **kwargs)
        if message is not None and no_ack:
            self.release(message.delivery_tag)
        return message

    def return_orphans(self) -> int:
        """Move the messages held by dead processes back into their queues; how many."""
        self._next_orphan_check = monotonic() + self.orphan_check_interval
        try:
            owners = os.listdir(self.unacked_folder)
        except FileNotFoundError:
            return 0
        returned = 0
        for owner in owners:
            if not owner_is_dead(owner):
                continue
            folder = self.unacked_folder / owner
            try:
                names = os.listdir(folder)
            except FileNotFoundError:
                continue  # another process emptied it
            for name in names:
                try:
                    # The same name: the message keeps its place near the head of its queue.
                    os.rename(folder / name, os.path.join(self.data_folder_in, name))
                    returned += 1
                except FileNotFoundError:
                    pass
            try:
                folder.rmdir()
            except OSError:
                pass  # another process is returning the same messages
        if returned:
            log.warning("Returned %d unacknowledged message(s) of dead workers to their "
                        "queues", returned)
        return returned


class Transport(filesystem.Transport):
    Channel = Channel
    # No host to connect to: without this, kombu warns "No hostname was supplied" in every
    # process that connects (workers, Flower, each web process).
    default_connection_params: dict = {}


def use_write_ahead_log(database: Path) -> None:
    """Put the SQLite result database in WAL mode (a property of the file, kept): readers and
    the writer no longer block each other, so the server's frequent reads of waiting tasks'
    states never delay a worker's write of a result, and a commit costs one ``fsync``."""
    connection = sqlite3.connect(database, timeout=1.0)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as exc:  # busy: never hold up a start for a speed-up
        log.info("Result database %s not switched to WAL mode now: %s", database, exc)
    finally:
        connection.close()


def prepare_embedded(celery_config: dict) -> None:
    """Create what the embedded broker and result backend need on disk (kombu does not).

    For the filesystem transport that includes the exchange tables of Celery's exchanges:
    kombu creates a missing table by opening it with ``"wb"`` in each process that binds a
    queue, so two processes binding at once (workers starting, Flower's inspections) can
    leave a corrupt or truncated table. Created here once, atomically, kombu only updates
    them, under its file lock.
    """
    backend = str(celery_config.get("result_backend", ""))
    if backend.startswith("db+sqlite:///"):
        database = Path(backend.removeprefix("db+sqlite:///"))
        secure_folder(database.parent)  # the owner's only, or refused
        if not database.exists():  # SQLite gives its journals the database's mode
            try:
                os.close(create_private_file(database))
            except FileExistsError:
                pass  # another process made it meanwhile
        use_write_ahead_log(database)
    if not str(celery_config.get("broker_url", "")).startswith(EMBEDDED_SCHEME + ":"):
        return
    options = celery_config["broker_transport_options"]
    for name in ("data_folder_in", "unacked_folder", "control_folder"):
        secure_folder(options[name])
    control = Path(options["control_folder"])
    exchanges = (
        celery_config.get("task_default_exchange") or "celery",
        celery_config.get("event_exchange") or "celeryev",
        "celery.pidbox",  # broadcasts to workers (revoke, inspect)
        "reply.celery.pidbox",  # their replies
    )
    for exchange in exchanges:
        _create_once(control / f"{exchange}.exchange", b"[]")


def _create_once(path: Path, content: bytes) -> None:
    """Create ``path`` with ``content`` unless it exists; never visible half-written."""
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    staging.unlink(missing_ok=True)  # left by a process of the same pid that died here
    with os.fdopen(create_private_file(staging), "wb") as f:
        f.write(content)
    try:
        os.link(staging, path)
    except FileExistsError:
        pass
    finally:
        staging.unlink()
