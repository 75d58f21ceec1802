"""The embedded broker's transport: kombu's filesystem transport, with atomic writes.

kombu's filesystem transport writes a message straight into the queue folder, and a worker
polling that folder may take the file before it is fully written: it reads an empty or cut
message, and the worker stops with an unrecoverable ``JSONDecodeError`` (seen here with ten
tasks published at once). This transport writes each message under a name no queue reads,
then renames it into place, which is atomic on one file system: a reader sees the whole
message or none of it. :mod:`.celeryconfig` names it ``flaskcelery-fs://``.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


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
