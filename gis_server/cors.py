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


def add_simple_cors(headers: dict[str, str]) -> None:
    """Add to a response for a request with an Origin what Starlette's CORSMiddleware would add."""
    headers.update(SIMPLE_RESPONSE_HEADERS)
    vary = headers.get("Vary") or headers.get("vary")
    headers.pop("vary", None)
    headers["Vary"] = f"{vary}, Origin" if vary else "Origin"
