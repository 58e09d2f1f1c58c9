"""The server's overdue sweep: a background task of the app's lifespan that runs
`domains.workflow.sweep` at start and then every `ONEMAP_SWEEP_SECONDS` (default 60; 0: never).

The sweep itself is blocking store work, so it runs in the thread pool; a failed sweep is logged
and the next one tried on schedule (the server never stops for it). Every worker process sweeps;
sweeps are idempotent and each layer's change is one transaction, so they do no harm to each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.concurrency import run_in_threadpool

from domains.workflow import sweep
from gis_server.settings import Settings
from layers.registry import LayerRegistry

log = logging.getLogger("onemap.workflow")


class Sweeper:
    """The background task and its stop signal. Stopping waits for a sweep in progress to end (a thread
    cannot be cancelled), so nothing writes to the store after the app has shut down."""

    def __init__(self, registry: LayerRegistry, interval: float) -> None:
        self.registry = registry
        self.interval = interval
        self.stopping = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self._run(), name="onemap-sweep")

    async def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                report = await run_in_threadpool(sweep, self.registry)
                if report.changed:
                    log.info("overdue sweep: %d flags changed, %s items overdue", report.changed,
                             report.overdue_items)
            except Exception:  # a failed sweep must not end the task; it is logged
                log.exception("overdue sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=self.interval)

    async def stop(self) -> None:
        self.stopping.set()
        await self.task


def start_sweeper(settings: Settings, registry: LayerRegistry) -> Sweeper | None:
    """Start sweeping (None when `sweep_seconds` is 0)."""
    if settings.sweep_seconds <= 0:
        return None
    return Sweeper(registry, settings.sweep_seconds)


async def stop_sweeper(sweeper: Sweeper | None) -> None:
    """Stop sweeping, after the sweep in progress (if any) has finished."""
    if sweeper is not None:
        await sweeper.stop()
