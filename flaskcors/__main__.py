"""``python -m flaskcors``: the whole CORS demo in one command.

Builds the client if ``output/`` is stale, serves ``output/`` and the same-origin echo
service on 127.0.0.1:8000, the Flask app on 127.0.0.1:5000, and stops both on Ctrl-C.
"""

import argparse
import subprocess
import sys
from pathlib import Path

from flaskcors.page_server import (
    allowed_api_origins,
    build_if_stale,
    create_page_app,
    page_origins,
    serve_demo,
)
from flaskcors.public.services.flask_example.FlaskEchoApp import create_app

EXAMPLE_DIR = Path(__file__).resolve().parent
MODULE = "Flask_JSONRPC_CORS"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m flaskcors", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--page-port", type=int, default=8000, help="page port (default 8000)")
    parser.add_argument("--api-port", type=int, default=5000, help="Flask port (default 5000)")
    parser.add_argument("--no-build", action="store_true", help="serve output/ as it is")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.no_build:
        try:
            build_if_stale(EXAMPLE_DIR, MODULE)
        except subprocess.CalledProcessError:
            print("flaskcors: the client build failed (see above)", file=sys.stderr)
            return 1
    if not (EXAMPLE_DIR / "output" / "js" / (MODULE + ".js")).is_file():
        print("flaskcors: no built client in output/ (run ./build.sh)", file=sys.stderr)
        return 1
    origins = allowed_api_origins(args.host, args.page_port)
    api_app = create_app(None if origins is None else {"CORS_ALLOWED_ORIGINS": origins})
    page_app = create_page_app(EXAMPLE_DIR / "output", page_origins(args.host, args.page_port))
    serve_demo(page_app, api_app, args.host, args.page_port, args.api_port,
               page=MODULE + ".html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
