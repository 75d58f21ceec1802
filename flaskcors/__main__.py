"""``python -m flaskcors``: the whole CORS demo in one command.

Builds the client if ``output/`` is stale, serves ``output/`` and the same-origin echo
service on 127.0.0.1:8000, the Flask app on 127.0.0.1:5000, and stops both on Ctrl-C.
"""

import sys
from pathlib import Path

from flask_pyjamas.devtools.demo import demo_apps, demo_argument_parser, serve_demo

from .public.services.flask_example.echo_methods import echo_methods
from .public.services.flask_example.FlaskEchoApp import create_app

# the page's same-origin "Python Service", as the original's mod_python one
PAGE_SERVICES = {"/services/EchoService.py": echo_methods}
PAGE = Path(__file__).resolve().parent / "Flask_JSONRPC_CORS.py"


def main(argv=None) -> int:
    args = demo_argument_parser("python -m flaskcors", __doc__.split("\n")[0]).parse_args(argv)
    page_app, api_app = demo_apps(PAGE, args, create_app, PAGE_SERVICES)
    serve_demo(page_app, api_app, args.host, args.page_port, args.api_port,
               page=PAGE.stem + ".html", desktop=PAGE if args.desktop else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
