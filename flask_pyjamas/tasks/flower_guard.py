"""Flower, never open: credentials required, requests for unknown hosts refused.

Flower shows every task's arguments and results and can revoke tasks and stop workers. Run
as Flower runs by itself, its pages answer anyone, and through any ``Host`` header: a web page
elsewhere can point its own name at 127.0.0.1 (DNS rebinding) and read Flower from the
victim's browser. :func:`run_flower`:

* refuses to start without credentials: ``--basic-auth=user:password`` (or ``--auth`` for
  Flower's OAuth) on the command line, or ``FLOWER_BASIC_AUTH`` (``FLOWER_AUTH``) in the
  environment; every page and API call then asks for them;
* answers only requests whose ``Host`` is an allowed name (``--allowed-hosts=a,b``; by default
  localhost, 127.0.0.1, ::1 and the ``--address`` Flower binds); any other gets a 400.
"""

import os
import secrets

from flask_pyjamas.settings import SettingError

DEFAULT_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")
ALLOWED_HOSTS_OPTION = "--allowed-hosts"


class FlowerSetupError(SettingError):
    """Flower's command line or environment would leave it open."""


def run_flower(celery_app, args, environ=os.environ) -> int:
    """Run Flower for ``celery_app`` with Flower's options ``args`` (plus
    ``--allowed-hosts=name,...``) until it stops; its exit status. Raises
    :class:`FlowerSetupError`, before anything listens, when no credentials are given."""
    flower_args, allowed = allowed_hosts(args)
    require_credentials(flower_args, environ)
    _refuse_unknown_hosts(allowed)
    return celery_app.start(["flower", *flower_args]) or 0


def option_values(args, *names) -> list[str]:
    """The values of the ``--name=value`` or ``--name value`` options ``names`` in ``args``
    (Flower also accepts ``_`` for ``-``).

    >>> option_values(["--port=1", "--basic-auth", "a:b", "--basic_auth=c:d"], "--basic-auth")
    ['a:b', 'c:d']
    """
    wanted = {name.replace("_", "-") for name in names}
    values = []
    for index, arg in enumerate(args):
        name, equals, value = arg.partition("=")
        if name.replace("_", "-") in wanted:
            if equals:
                values.append(value)
            elif index + 1 < len(args):
                values.append(args[index + 1])
    return values


def require_credentials(args, environ=os.environ) -> None:
    """Raise :class:`FlowerSetupError` unless ``args`` or ``environ`` give Flower
    credentials: basic-auth pairs each ``user:password`` with both parts, or an OAuth
    ``auth`` pattern."""
    pairs = option_values(args, "--basic-auth") + [environ.get("FLOWER_BASIC_AUTH", "")]
    pairs = [pair for value in pairs for pair in value.split(",") if value]
    oauth = option_values(args, "--auth") + [environ.get("FLOWER_AUTH", "")]
    for pair in pairs:
        user, colon, password = pair.partition(":")
        if not (user and colon and password):
            raise FlowerSetupError(
                f"--basic-auth needs user:password pairs, not {pair.split(':')[0]!r}:...")
    if not pairs and not any(oauth):
        raise FlowerSetupError(
            "refusing to start Flower without credentials: it shows every task's arguments "
            "and results, and can revoke tasks. Give --basic-auth=user:password or set "
            f"FLOWER_BASIC_AUTH, e.g. FLOWER_BASIC_AUTH=flower:{secrets.token_urlsafe(18)}")


def allowed_hosts(args) -> tuple[list[str], frozenset]:
    """``args`` without ``--allowed-hosts`` (Flower does not know it), and the host names
    to answer: those given, or the defaults and the ``--address`` bound.

    >>> args, hosts = allowed_hosts(["--port=5555", "--allowed-hosts=flower.lan,10.0.0.2"])
    >>> args, sorted(hosts)
    (['--port=5555'], ['10.0.0.2', 'flower.lan'])
    >>> sorted(allowed_hosts(["--address=10.0.0.2"])[1])
    ['10.0.0.2', '127.0.0.1', '::1', '[::1]', 'localhost']
    """
    given = option_values(args, ALLOWED_HOSTS_OPTION)
    rest, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg.partition("=")[0].replace("_", "-") == ALLOWED_HOSTS_OPTION:
            skip = "=" not in arg
        else:
            rest.append(arg)
    if given:
        names = {name.strip().lower() for value in given for name in value.split(",")}
    else:
        addresses = option_values(args, "--address")
        names = {*DEFAULT_HOSTS, *(a.lower() for a in addresses[-1:] if a)}
    return rest, frozenset(name for name in names if name)


def _refuse_unknown_hosts(allowed: frozenset) -> None:
    """Make Flower's application (created by its own command) answer 400 to any request
    whose ``Host`` is not in ``allowed``, before any of its handlers runs."""
    import flower.command
    import tornado.web

    class UnknownHost(tornado.web.RequestHandler):
        def prepare(self):
            self.set_status(400)
            self.finish("Unknown Host header: this Flower answers only "
                        + ", ".join(sorted(allowed)) + "\n")

    class HostCheckedFlower(flower.command.Flower):
        def find_handler(self, request, **kwargs):
            if request.host_name.lower() not in allowed:
                return self.get_handler_delegate(request, UnknownHost)
            return super().find_handler(request, **kwargs)

    flower.command.Flower = HostCheckedFlower
