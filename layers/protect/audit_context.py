"""Who is acting right now, for the audit trail: a context variable the entry points set.

The HTTP security dependency sets the caller (`gis_server.audit_actor`), the `onemap` command sets
`cli:<OS user>`; everything else (background sweeps, rules woken by a write, tests) acts as
`system`. Store writes read it when they append their audit record, so the stores need no extra
argument to say who wrote. A context variable follows the request into the worker thread FastAPI
runs a synchronous endpoint in; a thread started by hand must be started with
`contextvars.copy_context().run` to carry it.
May import: the standard library only.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a name (the audit record's `actor`) and how they came (for the record's detail)."""

    name: str
    method: str = "system"
    address: str | None = None
    request_id: str | None = None

    def detail(self) -> dict[str, Any]:
        """How the actor came, as the `via` member of an audit detail (unset parts left out)."""
        via: dict[str, Any] = {"method": self.method}
        if self.address:
            via["address"] = self.address
        if self.request_id:
            via["request_id"] = self.request_id
        return via


SYSTEM_ACTOR = Actor("system", "system")

_current: ContextVar[Actor] = ContextVar("onemap_audit_actor", default=SYSTEM_ACTOR)


def current_actor() -> Actor:
    """The actor of the running request or command (`system` when none was set)."""
    return _current.get()


def set_actor(actor: Actor) -> Token[Actor]:
    """Make `actor` the current one until the context ends (or `reset_actor(token)`)."""
    return _current.set(actor)


def reset_actor(token: Token[Actor]) -> None:
    _current.reset(token)


@contextmanager
def acting_as(name: str, method: str = "system", address: str | None = None,
              request_id: str | None = None) -> Iterator[Actor]:
    """Within the block, writes and exports are recorded as done by `name`."""
    actor = Actor(name, method, address, request_id)
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def cli_actor() -> Actor:
    """The actor of a command run from a shell: `cli:<OS user>`."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a bare container)
        user = "unknown"
    return Actor(f"cli:{user}", "cli")
