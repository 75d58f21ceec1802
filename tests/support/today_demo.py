"""``python -m tests.support.today_demo DEMO-ARGS...``: run inside the Debian testing root
(:mod:`tests.e2e.test_today_stack`): the root's RabbitMQ and Redis on free loopback ports, then
``python -m flaskcelery DEMO-ARGS...`` (page, Flask and a worker) on them, its tasks on a
quorum queue, until SIGTERM; then everything stops."""

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.processes import stop_process
from tests.support.services import RabbitMQ, Redis, clean_env


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # run the finally blocks below
    base = Path(tempfile.mkdtemp(prefix="today-demo."))
    (base / "rabbitmq").mkdir()
    (base / "redis").mkdir()
    rabbitmq, redis = RabbitMQ(base / "rabbitmq"), Redis(base / "redis")
    demo = None
    try:
        rabbitmq.start()
        redis.start()
        env = clean_env(CELERY_BROKER_URL=rabbitmq.url, CELERY_RESULT_BACKEND=redis.url,
                        CELERY_TASK_DEFAULT_QUEUE_TYPE="quorum")
        print(f"today-demo: RabbitMQ on {rabbitmq.port}, Redis on {redis.port}", flush=True)
        demo = subprocess.Popen([sys.executable, "-m", "flaskcelery", *argv],
                                env={**os.environ, **env}, start_new_session=True)
        return demo.wait()
    finally:
        if demo is not None:
            stop_process(demo, timeout=20)
        redis.close()
        rabbitmq.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
