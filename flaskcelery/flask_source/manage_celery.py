"""The flaskcelery command line (click): run the web server, a Celery worker, or Flower.

Run it from its own folder or from anywhere, as a script::

    python manage_celery.py runserver [--host 127.0.0.1] [--port 5000] [--debug]
    python manage_celery.py celeryd --loglevel=DEBUG     # any `celery worker` option
    python manage_celery.py flower [--port=5555]         # any Flower option
    python manage_celery.py --help

Every command uses the settings of ``celeryconfig.py`` (environment first). Servers
bind 127.0.0.1 unless told otherwise; debug is off unless asked.
"""

if __name__ == "__main__" and not __package__:
    # run as a script: run this file as a module of its package (see flask_pyjamas.devtools.scripts)
    from flask_pyjamas.devtools.scripts import run_as_package_module

    run_as_package_module(__file__)

import sys

import click

from flask_pyjamas import serve_until_stopped

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
    serve_until_stopped(app, host, port)


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
    """Celery Flower on 127.0.0.1:5555; every option goes to Flower (`--address`, `--port`,
    `--basic-auth=user:password`, `--persistent=True`... : `flower --help` lists them)."""
    if "--help" in flower_args:
        click.echo(click.get_current_context().get_help())
        from flower.options import options  # Flower's own options (tornado's), with defaults

        options.print_help()
        return
    celery_app = create_app().extensions["celery"]
    # Flower binds every interface by default; a later --address from the user wins.
    sys.exit(celery_app.start(["flower", "--address=127.0.0.1", *flower_args]) or 0)


if __name__ == "__main__":
    cli(prog_name="manage_celery.py")
