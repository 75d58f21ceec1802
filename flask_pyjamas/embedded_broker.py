"""The embedded broker's transport: kombu's filesystem transport, with atomic writes.

kombu's filesystem transport writes a message straight into the queue folder, and a worker
polling that folder may take the file before it is fully written: it reads an empty or cut
message, and the worker stops with an unrecoverable ``JSONDecodeError`` (seen here with ten
tasks published at once). This transport writes each message under a name no queue reads,
then renames it into place, which is atomic on one file system: a reader sees the whole
message or none of it. Registered as ``flaskcelery-fs://``.

:func:`prepare_embedded` creates what the broker needs on disk (its URL and options are
:func:`.settings.embedded_broker`).

Neither kombu transport that needs no server keeps a message a worker has received but not
acknowledged if that worker is killed (kombu's virtual transports hold unacknowledged messages
in the worker's memory): ``task_acks_late`` redelivers after a ``SIGKILL`` only with a real
broker (RabbitMQ).
"""

import os
import uuid
from pathlib import Path
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

from .settings import EMBEDDED_SCHEME

TRANSPORT_ALIASES.setdefault(EMBEDDED_SCHEME, "flask_pyjamas.embedded_broker:Transport")


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put ``payload`` onto ``queue``, whole or not at all."""
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot: kombu takes a file for queue q only if its name ends in ".q.msg"
        # after the first dot, and this one's first dot is its first character.
        staging = os.path.join(self.data_folder_out, f".{uuid.uuid4()}.tmp")
        try:
            with open(staging, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.rename(staging, final)
        except OSError as exc:
            try:
                os.unlink(staging)
            except OSError:
                pass
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
    # No host to connect to: without this, kombu warns "No hostname was supplied" in every
    # process that connects (workers, Flower, each web process).
    default_connection_params: dict = {}


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
        Path(backend.removeprefix("db+sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if not str(celery_config.get("broker_url", "")).startswith(EMBEDDED_SCHEME + ":"):
        return
    options = celery_config["broker_transport_options"]
    Path(options["data_folder_in"]).mkdir(parents=True, exist_ok=True)
    control = Path(options["control_folder"])
    control.mkdir(parents=True, exist_ok=True)
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
    staging.write_bytes(content)
    try:
        os.link(staging, path)
    except FileExistsError:
        pass
    finally:
        staging.unlink()
