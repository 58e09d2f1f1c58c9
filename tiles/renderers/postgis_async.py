"""Tile statements on the event loop: a pool of psycopg async connections bound to one loop.

A cache miss rendered in a worker thread pays for the hand-over (a future, a condition variable,
the pool's lock, SQLAlchemy's checkout) about as much Python time as the light tile's SQL costs the
database. `AsyncTilePool` runs the very same statement — same session settings, raw cursor, server-side
prepared statements — from a coroutine instead, through `psycopg_pool.AsyncConnectionPool`.

The pool belongs to the event loop that first used it (`bound_to_running_loop()` tells a caller on
another loop — a test client's portal, say — to use the thread path instead) and must be closed on
that loop (`close()`, from the app's lifespan). It opens connections on demand, one to start with
and up to `max_size`; idle ones beyond the first close after ten minutes.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from layers.stores.postgis.watch import libpq_dsn


class _ConnectionLost(psycopg.OperationalError):
    """The server closed the connection under a statement."""


class AsyncTilePool:
    def __init__(self, url: str, options: str, *, max_size: int = 16, prepare_threshold: int | None = 5) -> None:
        self.loop = asyncio.get_running_loop()
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]] = AsyncConnectionPool(
            libpq_dsn(url),
            min_size=1,
            max_size=max_size,
            max_idle=600,
            open=False,
            name="onemap-tiles-async",
            kwargs={"autocommit": True, "prepare_threshold": prepare_threshold, "options": options,
                    "application_name": "onemap-tiles", "cursor_factory": psycopg.AsyncRawCursor},
        )
        self._opened = self.loop.create_task(self._pool.open(wait=False))

    def bound_to_running_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    async def fetch_one(self, sql: str, params: tuple[object, ...]) -> tuple[Any, ...]:
        """The statement's one row. A connection the server closed (a restart, an idle timeout) makes
        the pool check every idle connection, dropping the dead ones, and the statement is tried once
        more; other psycopg errors propagate."""
        await self._opened
        try:
            return await self._fetch_one(sql, params)
        except _ConnectionLost:
            await self._pool.check()
            return await self._fetch_one(sql, params)

    async def _fetch_one(self, sql: str, params: tuple[object, ...]) -> tuple[Any, ...]:
        async with self._pool.connection() as conn:
            try:
                cursor = await conn.execute(sql, params)
                row = await cursor.fetchone()
            except psycopg.OperationalError as exc:
                if conn.closed:
                    raise _ConnectionLost(str(exc)) from exc
                raise
        if row is None:
            raise psycopg.ProgrammingError("tile statement returned no row")
        return tuple(row)

    async def close(self) -> None:
        await self._opened
        await self._pool.close()


__all__ = ["AsyncTilePool"]
