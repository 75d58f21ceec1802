"""flask_pyjamas: JSON-RPC across origins from Python pages to Flask, with Celery behind it.

The public API is the names of ``__all__``, imported from here::

    from flask_pyjamas import JSONRPC, MethodRegistry, JSONRPCView, celery_init_app

The library is organised by concern, one sub-package each:

:mod:`.protocol`
    JSON-RPC 2.0, its OpenRPC description, the CORS origin policy (no Flask in it)
:mod:`.web`
    the Flask glue: the request class, the preflight and ``POST`` answers, the views
:mod:`.tasks`
    Celery tasks behind JSON-RPC (``CeleryMethods``): start, follow, cancel; the embedded
    broker; waiting
:mod:`.client`
    browser code compiled with each page (Transcrypt) and run by CPython on the desktop
:mod:`.build`
    ``pyjsbuild``, the page build
:mod:`.devtools`
    the development page server, the one-command demos, scripts run as package modules

plus :mod:`.settings` (every setting, read from the environment in one place) and
:mod:`.gunicorn_config` (``gunicorn -c python:flask_pyjamas.gunicorn_config``).

Names are imported on first use, so importing this package costs nothing: a script can
import :mod:`.devtools.scripts` before anything else, and a server that does not use Celery
never imports it.
"""

# The browser build never sees this module's body (the page modules import only
# flask_pyjamas.client, which Transcrypt compiles together with this file).
# __pragma__ ('skip')
import importlib

# public name -> the module that defines it
_EXPORTS = {
    # protocol
    "MethodRegistry": "flask_pyjamas.protocol.jsonrpc",
    "RPCError": "flask_pyjamas.protocol.jsonrpc",
    "ParseError": "flask_pyjamas.protocol.jsonrpc",
    "InvalidRequest": "flask_pyjamas.protocol.jsonrpc",
    "MethodNotFound": "flask_pyjamas.protocol.jsonrpc",
    "InvalidParams": "flask_pyjamas.protocol.jsonrpc",
    "InternalError": "flask_pyjamas.protocol.jsonrpc",
    "ServerError": "flask_pyjamas.protocol.jsonrpc",
    "dispatch": "flask_pyjamas.protocol.jsonrpc",
    "Deferred": "flask_pyjamas.protocol.jsonrpc",
    "CorsPolicy": "flask_pyjamas.protocol.cors",
    # Flask glue
    "JSONRPCRequest": "flask_pyjamas.web.request",
    "JSONRPCView": "flask_pyjamas.web.views",
    "rpc_view": "flask_pyjamas.web.views",
    "preflight_response": "flask_pyjamas.web.transport",
    "rpc_post_response": "flask_pyjamas.web.transport",
    "JSONRPC": "flask_pyjamas.web.extension",
    "jsonrpc_endpoint": "flask_pyjamas.web.extension",
    "serve_until_stopped": "flask_pyjamas.web.stopping",
    "begin_stop": "flask_pyjamas.web.stopping",
    "on_stop": "flask_pyjamas.web.stopping",
    # tasks
    "celery_init_app": "flask_pyjamas.tasks.celery_app",
    "CeleryMethods": "flask_pyjamas.tasks.methods",
    "task_events_view": "flask_pyjamas.tasks.events",
    "run_flower": "flask_pyjamas.tasks.flower_guard",
    # settings
    "SettingError": "flask_pyjamas.settings",
    # build and development tools
    "BuildError": "flask_pyjamas.build.pyjsbuild",
    "build_page": "flask_pyjamas.build.pyjsbuild",
    "run_as_package_module": "flask_pyjamas.devtools.scripts",
    "QuietRequestHandler": "flask_pyjamas.devtools.page_server",
}
# a public name whose definition has another name in its module
_RENAMED = {"build_page": "build"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
# __pragma__ ('noskip')
