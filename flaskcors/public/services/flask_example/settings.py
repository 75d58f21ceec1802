"""Configuration of the JSON-RPC server: defaults, overridden by the environment, then by code.

==========================  =======================================================  =========
setting                     meaning                                                  env var
==========================  =======================================================  =========
``CORS_ALLOWED_ORIGINS``    page origins allowed to call (list; ``*`` = any)         same name,
                                                                                     comma-separated
``CORS_ALLOW_HEADERS``      request headers a preflight may ask for                  same name
``CORS_MAX_AGE``            seconds a browser may cache a preflight                  same name
``MAX_CONTENT_LENGTH``      largest request body in bytes (larger: HTTP 413)         same name
==========================  =======================================================  =========
"""

import os

DEFAULTS = {
    "CORS_ALLOWED_ORIGINS": ["http://localhost:8000", "http://127.0.0.1:8000"],
    "CORS_ALLOW_HEADERS": ["Content-Type"],
    "CORS_MAX_AGE": 86400,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
}


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


_FROM_ENV = {
    "CORS_ALLOWED_ORIGINS": _split,
    "CORS_ALLOW_HEADERS": _split,
    "CORS_MAX_AGE": int,
    "MAX_CONTENT_LENGTH": int,
}


def from_environment(environ=os.environ) -> dict:
    """The settings that are set in ``environ``, converted to their types."""
    return {name: convert(environ[name]) for name, convert in _FROM_ENV.items() if name in environ}


def rpc_settings(config: dict | None = None, environ=os.environ) -> dict:
    """Defaults, then the environment, then ``config``: the last one that sets a name wins."""
    settings = {**DEFAULTS, **from_environment(environ), **(config or {})}
    if isinstance(settings["CORS_ALLOWED_ORIGINS"], str):
        settings["CORS_ALLOWED_ORIGINS"] = _split(settings["CORS_ALLOWED_ORIGINS"])
    return settings
