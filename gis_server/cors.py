"""The one CORS policy, for the app's CORSMiddleware and for the raw fast paths alike.

By default (`ONEMAP_CORS_ORIGINS` unset or `*`) any origin may read: public data and tiles for
dashboards and other provinces' clients on other hosts; writes still need a token. With a list of
origins, only those get CORS headers: the app's CORSMiddleware is configured with the list
(`CorsPolicy.middleware_options`), and the outermost hardening middleware (`gis_server.hardening`)
applies the same list to every response on its way out (`CorsPolicy.enforce`), which covers the
answers the fast paths build with `apply_cors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ALLOW_ORIGINS = ["*"]
ALLOW_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
ALLOW_HEADERS = ["*"]
EXPOSE_HEADERS = ["ETag", "Location", "Content-Crs", "Link"]

#: What a simple (non-preflight) cross-origin response carries under the any-origin policy.
SIMPLE_RESPONSE_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": ", ".join(EXPOSE_HEADERS),
}
_ALLOW_ORIGIN = b"access-control-allow-origin"
#: Headers that grant a cross-origin reader something; an origin off the list gets none of them.
_GRANTING = frozenset({_ALLOW_ORIGIN, b"access-control-expose-headers", b"access-control-allow-credentials"})


def apply_cors(headers: dict[str, str], *, origin: bool) -> None:
    """Do to a response what Starlette's CORSMiddleware does under the any-origin policy: the
    allow/expose headers when the request had an Origin, and `Origin` added to `Vary` on every
    response. Under an allow-list, `CorsPolicy.enforce` narrows the result on the way out."""
    if origin:
        headers.update(SIMPLE_RESPONSE_HEADERS)
    vary = headers.pop("Vary", None) or headers.pop("vary", None)
    headers["Vary"] = f"{vary}, Origin" if vary else "Origin"


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    """Which origins may read cross-origin: `("*",)` for any."""

    origins: tuple[str, ...] = ("*",)

    @property
    def any_origin(self) -> bool:
        return "*" in self.origins

    def allows(self, origin: str) -> bool:
        return self.any_origin or origin in self.origins

    def middleware_options(self) -> dict[str, Any]:
        """Keyword arguments for Starlette's CORSMiddleware under this policy."""
        return {"allow_origins": list(self.origins), "allow_methods": ALLOW_METHODS,
                "allow_headers": ALLOW_HEADERS, "expose_headers": EXPOSE_HEADERS}

    def enforce(self, headers: list[tuple[bytes, bytes]], origin: str | None) -> list[tuple[bytes, bytes]]:
        """A response's raw headers under an allow-list: a listed origin is named in
        `Access-Control-Allow-Origin` (never `*`), any other request loses every granting header.
        Under the any-origin policy the headers are returned unchanged."""
        if self.any_origin:
            return headers
        if origin is not None and origin in self.origins:
            value = origin.encode("latin-1")
            return [(k, value) if k == _ALLOW_ORIGIN else (k, v) for k, v in headers]
        return [(k, v) for k, v in headers if k not in _GRANTING]

    def problem_headers(self, origin: str | None) -> dict[str, str]:
        """CORS headers for an answer the hardening middleware makes itself (413, 429, 500), so a
        cross-origin reader that may read can see why it was refused."""
        if origin is None or not self.allows(origin):
            return {"Vary": "Origin"}
        return {"Access-Control-Allow-Origin": "*" if self.any_origin else origin, "Vary": "Origin",
                "Access-Control-Expose-Headers": "Retry-After"}
