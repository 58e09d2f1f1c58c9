"""The one CORS policy: any origin may read (public data and tiles for dashboards on other hosts);
writes still need the admin token. Used by the app's middleware and by the tile fast path."""

from __future__ import annotations

ALLOW_ORIGINS = ["*"]
ALLOW_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
ALLOW_HEADERS = ["*"]
EXPOSE_HEADERS = ["ETag", "Location", "Content-Crs", "Link"]

#: What a simple (non-preflight) cross-origin response carries under this policy.
SIMPLE_RESPONSE_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": ", ".join(EXPOSE_HEADERS),
}


def apply_cors(headers: dict[str, str], *, origin: bool) -> None:
    """Do to a response what Starlette's CORSMiddleware does under this policy: the allow/expose
    headers when the request had an Origin, and `Origin` added to `Vary` on every response."""
    if origin:
        headers.update(SIMPLE_RESPONSE_HEADERS)
    vary = headers.pop("Vary", None) or headers.pop("vary", None)
    headers["Vary"] = f"{vary}, Origin" if vary else "Origin"
