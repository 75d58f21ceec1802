"""The flaskcelery command line (click): run the web server, a Celery worker, or Flower.

Run it from its own folder or from anywhere, as a script::

    python manage_celery.py runserver [--host 127.0.0.1] [--port 5000] [--debug]
    python manage_celery.py celeryd --loglevel=DEBUG     # any `celery worker` option
    python manage_celery.py flower --basic-auth=user:password [--port=5555]  # Flower
    python manage_celery.py --help

Every command uses the settings of ``celeryconfig.py`` (environment first). Servers
bind 127.0.0.1 unless told otherwise; debug is off unless asked.
"""

if __name__ == "__main__" and not __package__:
    # run as a script: run this file as a module of its package (see flask_pyjamas.devtools.scripts)
    from flask_pyjamas import run_as_package_module

    run_as_package_module(__file__)

import sys

import click

from flask_pyjamas import QuietRequestHandler, SettingError, run_flower, serve_until_stopped

from .FlaskEchoApp import create_app

# Options after the command name go to Celery unparsed (its own --help included).
_PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}


@click.group()
def cli() -> None:
    """Run the flaskcelery server, its Celery workers, or Flower."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--debug", is_flag=True, help="Flask debug mode (never in production).")
def runserver(host: str, port: int, debug: bool) -> None:
    """The Flask server with the Celery view (Werkzeug's development server). SIGTERM or
    Ctrl-C stops it gracefully: waiting requests answer with their task's state first."""
    app = create_app()
    app.debug = debug
    serve_until_stopped(app, host, port,
                        request_handler=QuietRequestHandler)  # Server: names no versions


@cli.command(context_settings=_PASS_THROUGH)
@click.argument("worker_args", nargs=-1, type=click.UNPROCESSED)
def celeryd(worker_args: tuple[str, ...]) -> None:
    """A Celery worker; every option goes to `celery worker` (try `celeryd --help`).
    It logs at INFO (each task received and done) unless `--loglevel` says otherwise."""
    celery_app = create_app().extensions["celery"]
    given = any(arg.startswith(("-l", "--loglevel")) for arg in worker_args)
    loglevel = [] if given else ["--loglevel=INFO"]
    sys.exit(celery_app.worker_main(["worker", *loglevel, *worker_args]) or 0)


@cli.command(context_settings=_PASS_THROUGH)
@click.argument("flower_args", nargs=-1, type=click.UNPROCESSED)
def flower(flower_args: tuple[str, ...]) -> None:
    """Celery Flower on 127.0.0.1:5555, behind credentials: `--basic-auth=user:password`
    (or FLOWER_BASIC_AUTH) is required. Requests naming another Host than localhost,
    127.0.0.1 or the `--address` are refused (`--allowed-hosts=name,...` to change that).
    Every other option goes to Flower (`--port`, `--persistent=True`... : `flower --help`)."""
    if "--help" in flower_args:
        click.echo(click.get_current_context().get_help())
        from flower.options import options  # Flower's own options (tornado's), with defaults

        options.print_help()
        return
    celery_app = create_app().extensions["celery"]
    # Flower binds every interface by default; a later --address from the user wins. It
    # refuses to start without credentials and answers only known Host names.
    sys.exit(run_flower(celery_app, ["--address=127.0.0.1", *flower_args]))


if __name__ == "__main__":
    try:
        cli(prog_name="manage_celery.py")
    except SettingError as error:  # a wrong setting, a loose instance folder: one line
        sys.exit(f"manage_celery.py: {error}")
