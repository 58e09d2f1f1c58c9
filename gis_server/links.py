"""Absolute links with media types, as OGC API asks of every link."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"


def base_url(request: Request) -> str:
    """The public root of the service, without a trailing slash.

    ONEMAP_PUBLIC_URL wins; otherwise the request's own scheme and host (uvicorn applies
    X-Forwarded-* from trusted proxies before this point).
    """
    configured = request.app.state.settings.public_url
    if configured:
        return configured.rstrip("/")
    root = str(request.base_url).rstrip("/")
    return root


def link(href: str, rel: str, type_: str, title: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    out.update(extra)
    return out


def with_query(url: str, params: dict[str, Any]) -> str:
    clean = {k: v for k, v in params.items() if v is not None}
    return f"{url}?{urlencode(clean, safe=',:/[]')}" if clean else url


def self_and_alternates(url: str, params: dict[str, Any], current: str, formats: dict[str, str],
                        title: str | None = None) -> list[dict[str, Any]]:
    """`self` for the current format and `alternate` for each other one (`f=` keeps them apart)."""
    links = []
    for fmt, media in formats.items():
        rel = "self" if fmt == current else "alternate"
        links.append(link(with_query(url, {**params, "f": fmt}), rel, media, title))
    return links
