"""Start the flaskcors server: ``python run_flask_server.py [--host H] [--port P] [--debug]``.

Binds 127.0.0.1:5000 with debug off unless asked. Each request is logged, so the browser's
``OPTIONS`` preflight can be seen before its ``POST``.
"""

if __name__ == "__main__" and not __package__:
    # run as a script: run this file as a module of its package (see flask_pyjamas.devtools.scripts)
    from flask_pyjamas import run_as_package_module

    run_as_package_module(__file__)

import argparse

from flask_pyjamas import QuietRequestHandler

from .FlaskEchoApp import create_app


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
    create_app().run(host=args.host, port=args.port, debug=args.debug, use_reloader=False,
                     request_handler=QuietRequestHandler)  # Server: names no versions


if __name__ == "__main__":
    main()
