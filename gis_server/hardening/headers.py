"""The security headers every response carries, and the Content-Security-Policy of HTML pages.

Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy:
strict-origin-when-cross-origin`, `X-Frame-Options: DENY`. HTML pages also get a CSP that allows
only the platform's own scripts, style sheets, fonts and connections (no inline scripts or styles:
the pages keep theirs in `gis_server/web/static/`), images from `data:`/`blob:` and MapLibre's
`blob:` workers. When a Tianditu key is configured (`map_config.tianditu_key`, the map's optional
basemap) its tile hosts are allowed in `img-src` and `connect-src` as well.
"""

from __future__ import annotations

from functools import cache

from gis_server.map_config import tianditu_key

#: Added to every response unless the response set the header itself.
ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
)
CSP_HEADER = b"content-security-policy"
#: The Tianditu WMTS hosts the map's basemap asks (gis_server/web/static/map/basemap.js).
TIANDITU_HOSTS = tuple(f"https://t{n}.tianditu.gov.cn" for n in range(8))


@cache
def content_security_policy(tianditu: bool) -> bytes:
    """The pages' CSP, with the Tianditu hosts when the basemap is configured."""
    extra = (" " + " ".join(TIANDITU_HOSTS)) if tianditu else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob:{extra}; worker-src 'self' blob:; connect-src 'self'{extra}; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ).encode()


def secured(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A response's raw headers with the security headers added (the CSP when it is HTML)."""
    names = set()
    html = False
    for name, value in headers:
        lowered = name.lower()
        names.add(lowered)
        if lowered == b"content-type" and value[:9].lower() == b"text/html":
            html = True
    added = [(name, value) for name, value in ALWAYS if name not in names]
    if html and CSP_HEADER not in names:
        added.append((CSP_HEADER, content_security_policy(tianditu_key() is not None)))
    return [*headers, *added]
