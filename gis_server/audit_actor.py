"""The caller of an HTTP request as the actor of the audit trail (`layers.protect.audit_context`).

`security.current_principal` calls `act_for_request` once it knows the caller: from then on, every
store write, export or package build the request makes is recorded under the principal's name, with
how they signed in, their address (as uvicorn reports it: behind a trusted gateway, the forwarded
client) and the gateway's `X-Request-ID` when there is one. The context variable is set in the
request's own task, so it ends with the request; endpoints run in worker threads carry a copy.
"""

from __future__ import annotations

from fastapi import Request

from layers.access.principal import Principal
from layers.protect.audit_context import Actor, set_actor

#: Longest request id kept (a header is the client's to choose).
MAX_REQUEST_ID = 128


def _request_id(request: Request) -> str | None:
    raw = request.headers.get("x-request-id")
    if not raw:
        return None
    text = "".join(c for c in raw.strip()[:MAX_REQUEST_ID] if c.isprintable())
    return text or None


def act_for_request(request: Request, principal: Principal) -> Actor:
    """Make `principal` the actor of everything the request does; returns the actor."""
    address = request.client.host if request.client is not None else None
    actor = Actor(principal.name, principal.method, address, _request_id(request))
    set_actor(actor)
    return actor
