"""Waking the domains' spatial rules after a write: one `RuleBook` per app, built from every
discovered domain, dispatched once the write has committed (a rule's failure is reported, never
undoes or fails the write that woke it). Rules run in a worker thread: they read and write the
store synchronously and may take longer than the event loop should wait.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import anyio.to_thread
from fastapi import FastAPI, Request

from domains.framework.discovery import discover_domains
from domains.framework.rules import EventKind, RuleBook, RuleContext, RuleEvent, RuleResult
from gis_server.security import principal_of
from gis_server.state import services

log = logging.getLogger("onemap")


_lock = threading.Lock()


def rule_book(app: FastAPI) -> RuleBook:
    """Every domain's rules (built once per app, by whichever thread asks first)."""
    book: RuleBook | None = getattr(app.state, "rule_book", None)
    if book is None:
        with _lock:
            book = getattr(app.state, "rule_book", None)
            if book is None:
                book = RuleBook([rule for domain in discover_domains() for rule in domain.rules])
                app.state.rule_book = book
    return book


async def after_write(request: Request, kind: EventKind, layer_id: str, fid: int) -> RuleResult:
    """Run the rules a committed feature write wakes; their findings are logged and returned."""
    book = rule_book(request.app)
    event = RuleEvent(kind, layer_id, {"fid": fid})
    if not book.woken_by(event):
        return RuleResult()
    context = RuleContext(services(request).registry, lambda: datetime.now(UTC), principal_of(request).name)
    result = await anyio.to_thread.run_sync(book.dispatch, event, context)
    for finding in result.findings:
        if finding.severity == "error" and finding.message.startswith("规则执行失败"):
            log.error("rule %s failed after %s of %s/%s: %s", finding.rule_id, kind, layer_id, fid, finding.message)
    return result
