"""The shared shape of the raw ASGI fast paths (`tile_fastpath`, `items_fastpath`): a `GET`/`HEAD`
whose path matches answers from `_answer` when it returns a reply; anything else, or a `None`
reply, goes on to the app unchanged."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

#: Status, raw headers, body.
Reply = tuple[int, list[tuple[bytes, bytes]], bytes]


class FastPath:
    """Subclasses set `pattern` and implement `_answer(scope, match)`."""

    pattern: re.Pattern[str]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            match = self.pattern.match(scope["path"])
            if match is not None:
                reply = await self._answer(scope, match)
                if reply is not None:
                    status, headers, body = reply
                    await send({"type": "http.response.start", "status": status, "headers": headers})
                    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
                    return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, match: re.Match[str]) -> Reply | None:
        raise NotImplementedError
