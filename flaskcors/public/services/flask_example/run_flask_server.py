"""Start the flaskcors server: ``python run_flask_server.py [--host H] [--port P] [--debug]``.

Binds 127.0.0.1:5000 with debug off unless asked. Each request is logged, so the browser's
``OPTIONS`` preflight can be seen before its ``POST``.
"""

import argparse
import sys
from pathlib import Path

# Run as a script, this folder is sys.path[0]: drop it, or requests.py here would shadow the
# `requests` distribution for everything this process imports. Import through the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parents[3]))

from flaskcors.public.services.flask_example.FlaskEchoApp import create_app  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the flaskcors JSON-RPC server.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    parser.add_argument(
        "--debug", action="store_true", help="Flask debug mode (never in production)"
    )
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    create_app().run(host=args.host, port=args.port, debug=args.debug, use_reloader=False)


if __name__ == "__main__":
    main()
