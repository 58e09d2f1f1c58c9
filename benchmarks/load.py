"""The load generator: N concurrent HTTP/1.1 keep-alive clients (httpx + asyncio) for a fixed time.

Run as its own process (`python -m benchmarks.load < spec.json`, JSON result on stdout) so its
CPU is separate from the orchestrator's. Each client takes the next request index from a shared
counter, sends it, reads the body as raw bytes (compressed bodies are not decompressed — that is
the client's business, not the server's) and records the latency. After a warm-up, clients start
new requests until the duration is up; requests in flight then finish and count, and throughput
is completed requests over the time until the last one ended. Any status other than 200 is an
error; the first error's body is kept for the report.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import resource
import sys
import time
from typing import Any

import httpx
import numpy as np

from benchmarks.cases import MEASURED_START, WARMUP_START, Case, request_params


class Phase:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.first_error: str | None = None
        self.bytes = 0
        self.ended = 0.0


async def _client(client: httpx.AsyncClient, url: str, case: Case, server: str, seed: int,
                  counter: itertools.count[int], deadline: float, phase: Phase) -> None:
    while time.perf_counter() < deadline:
        params = request_params(case, server, next(counter), seed)
        started = time.perf_counter()
        try:
            async with client.stream("GET", url, params=params) as response:
                if response.status_code == 200:
                    size = 0
                    async for chunk in response.aiter_raw():
                        size += len(chunk)
                else:
                    body = await response.aread()
                    size = len(body)
                    phase.errors += 1
                    phase.first_error = phase.first_error or f"{response.status_code} {body[:300]!r}"
        except httpx.HTTPError as exc:
            phase.errors += 1
            phase.first_error = phase.first_error or repr(exc)
            size = 0
        ended = time.perf_counter()
        phase.latencies.append(ended - started)
        phase.bytes += size
        phase.ended = max(phase.ended, ended)


async def _phase(client: httpx.AsyncClient, spec: dict[str, Any], case: Case, seconds: float, start: int) -> Phase:
    phase = Phase()
    counter = itertools.count(start)
    deadline = time.perf_counter() + seconds
    await asyncio.gather(*(
        _client(client, spec["url"], case, spec["server"], spec["seed"], counter, deadline, phase)
        for _ in range(spec["concurrency"])
    ))
    return phase


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    case = Case(**spec["case"])
    concurrency = int(spec["concurrency"])
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Accept-Encoding": spec.get("encoding", "gzip")}
    timeout = httpx.Timeout(spec.get("timeout", 300.0))
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=timeout) as client:
        warmup = await _phase(client, spec, case, spec["warmup"], WARMUP_START) if spec.get("warmup") else None
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        phase = await _phase(client, spec, case, spec["duration"], MEASURED_START)
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
    elapsed = max(phase.ended - started, 1e-9)
    latencies = np.array(phase.latencies) * 1000.0
    n = len(latencies)
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    return {
        "requests": n,
        "errors": phase.errors,
        "first_error": phase.first_error,
        "seconds": round(elapsed, 3),
        "rps": round(n / elapsed, 2),
        "p50_ms": round(float(np.percentile(latencies, 50)), 2) if n else None,
        "p95_ms": round(float(np.percentile(latencies, 95)), 2) if n else None,
        "p99_ms": round(float(np.percentile(latencies, 99)), 2) if n else None,
        "warmup_requests": len(warmup.latencies) if warmup else 0,
        "mean_kb": round(phase.bytes / max(n, 1) / 1024, 1),
        "client_cpu": round(cpu / elapsed, 3),
    }


def main() -> None:
    spec = json.load(sys.stdin)
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(spec))
    else:
        result = uvloop.run(run(spec))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
