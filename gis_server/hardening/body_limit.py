"""Request-body limits: `ONEMAP_MAX_BODY_MB` for every path but `/packages/sync`, which takes a
returned package (photos included) up to `ONEMAP_MAX_UPLOAD_MB`.

A declared `Content-Length` over the limit is refused before the app sees the request; a body sent
without one (chunked) or longer than declared is counted as the app reads it, and the read that
crosses the limit raises `BodyTooLarge` — the middleware then answers 413 whatever the app made of
the exception.
"""

from __future__ import annotations

from starlette.types import Message, Receive

from gis_server.settings import MEGABYTE, Settings

UPLOAD_PATHS = frozenset({"/packages/sync"})


class BodyTooLarge(Exception):
    """The request body went over its limit while the app read it."""


def body_limit(settings: Settings, path: str) -> int:
    """The largest body (bytes) a request to `path` may send."""
    return settings.max_upload_bytes if path in UPLOAD_PATHS else settings.max_body_bytes


def declared_length(raw: bytes | None) -> int | None:
    """The Content-Length header as a number, or None when absent or not a number (the server decides)."""
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw)


def megabytes(limit: int) -> str:
    """A limit for people: `16 MB`, `0.5 MB`."""
    return f"{limit / MEGABYTE:g} MB"


class CountingReceive:
    """`receive` for the app that counts body bytes and raises `BodyTooLarge` past `limit`."""

    __slots__ = ("exceeded", "limit", "receive", "seen")

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.seen = 0
        self.exceeded = False

    async def __call__(self) -> Message:
        if self.exceeded:
            raise BodyTooLarge
        message = await self.receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                self.exceeded = True
                raise BodyTooLarge
        return message
