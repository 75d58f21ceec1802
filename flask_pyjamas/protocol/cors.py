"""The CORS policy: which page origins may call the JSON-RPC endpoints, and the headers that say so.

A browser sends ``Origin`` with every cross-origin request; for a JSON-RPC POST (not a CORS
"simple" request, because of its content type) it first sends an ``OPTIONS`` preflight, and
reads the answer only if the server names the page's origin in ``Access-Control-Allow-Origin``.
"""

from dataclasses import dataclass

ALLOWED_METHODS = "POST, OPTIONS"


@dataclass(frozen=True)
class CorsPolicy:
    """An explicit allow-list of origins; ``*`` in it allows any origin (never with credentials).

    >>> policy = CorsPolicy(frozenset({"http://localhost:8000"}))
    >>> policy.response_headers("http://localhost:8000")
    {'Vary': 'Origin', 'Access-Control-Allow-Origin': 'http://localhost:8000'}
    >>> policy.response_headers("http://evil.example")
    {'Vary': 'Origin'}
    """

    allowed_origins: frozenset[str]
    allow_headers: tuple[str, ...] = ("Content-Type",)
    max_age: int = 86400

    @classmethod
    def from_config(cls, config) -> "CorsPolicy":
        return cls(
            allowed_origins=frozenset(config["CORS_ALLOWED_ORIGINS"]),
            allow_headers=tuple(config["CORS_ALLOW_HEADERS"]),
            max_age=int(config["CORS_MAX_AGE"]),
        )

    @property
    def allows_any(self) -> bool:
        return "*" in self.allowed_origins

    def allows(self, origin: str | None) -> bool:
        """True for an allowed origin, and for requests with no Origin (not from a browser page
        on another origin: curl, scripts, same-origin GETs)."""
        return origin is None or self.allows_any or origin in self.allowed_origins

    def response_headers(self, origin: str | None) -> dict[str, str]:
        """Headers for every response: it varies by Origin, whether or not it is allowed."""
        headers = {"Vary": "Origin"}
        if origin is not None and self.allows(origin):
            headers["Access-Control-Allow-Origin"] = "*" if self.allows_any else origin
        return headers

    def preflight_headers(self, origin: str | None) -> dict[str, str]:
        """Headers answering an allowed origin's OPTIONS preflight."""
        return {
            **self.response_headers(origin),
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": ", ".join(self.allow_headers),
            "Access-Control-Max-Age": str(self.max_age),
        }
