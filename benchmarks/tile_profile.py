"""Where a OneMap worker's time goes during one benchmark run: py-spy, sampled while wrk runs.

`--profile` on `python -m benchmarks.tiles` wraps each measured run of the one-worker OneMap
server in `py-spy record --format raw` (folded stacks, `--nonblocking`, 100 samples/s; `--gil` for
the cached runs, where the one Python thread is the limit, all active threads otherwise); the
folded file is kept under `benchmarks/results/profiles/` and `summarize()` sorts every sample
(all of the process's threads py-spy counts as active) into one bucket of the request path —
the first of `BUCKETS` found in its stack — plus the top frames by own time. py-spy is a PyPI package
(`pip install py-spy` into the venv); `require_py_spy()` says so when it is missing.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

#: Exclusive buckets, first match wins: a sample goes to the first bucket one of whose frame names
#: (as py-spy prints them: "function (file)") is anywhere in its stack; the shares add up to 100 %.
BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("socket writes (uvicorn send)", ("RequestResponseCycle.send",)),
    ("tile SQL round trip (PostGIS statement)", ("PostgisTileRenderer._fetch",)),
    ("registry revision query (LayerRegistry.refresh)", ("LayerRegistry.refresh",)),
    ("waiting for a pooled DB connection", ("QueuePool._do_get",)),
    ("pool checkout / connect / ping", ("_ConnectionFairy._checkout", "Connection.connect (psycopg")),
    ("gzip of rendered tiles", ("compress (tiles/cache/response.py)",)),
    ("disk tier write", ("DiskTier.put",)),
    ("other cache tiers / tile service", ("TileService.tile",)),
    ("fast path: cache look-up + headers", ("CachedTileFastPath._cached",)),
    ("HTTP parsing (httptools)", ("HttpToolsProtocol",)),
    ("idle worker threads (waiting for work)", ("WorkerThread.run",)),
    ("FastAPI/Starlette (routing, middleware, dependencies, endpoint)", ("Starlette.__call__",)),
    ("event loop (select, callbacks)", ("Runner.run",)),
)
#: Worker-thread samples that hold an endpoint are not idle: they go to this bucket unless matched above.
ENDPOINT_THREAD = "endpoint code in worker threads"
_FRAME = re.compile(r"^(.*) \((.*?):\d+\)$")


def py_spy() -> str | None:
    found = Path(sys.executable).with_name("py-spy")
    return str(found) if found.exists() else shutil.which("py-spy")


def require_py_spy() -> str:
    path = py_spy()
    if path is None:
        raise RuntimeError("未找到 py-spy / py-spy is not installed: `.venv/bin/pip install py-spy`")
    return path


def start(pid: int, out: Path, seconds: float, *, gil: bool = False, rate: int = 100) -> subprocess.Popen[bytes]:
    """Sample `pid` into `out` (folded stacks). `gil=True`: only the thread holding the GIL — the
    worker's Python CPU; otherwise every active thread — where requests spend their (wall) time,
    waits on PostgreSQL and on locks included."""
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [require_py_spy(), "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))),
               "--rate", str(rate), "--format", "raw", "--output", str(out), "--nonblocking"]
    if gil:
        command.append("--gil")
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def finish(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Stop sampling now (py-spy writes its output on SIGINT)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _short(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = match.group(2)
    for marker in ("site-packages/", "/work/main/", "lib/python3.12/"):
        path = path.split(marker)[-1]
    return f"{match.group(1)} ({path})"


def _bucket(frames: list[str]) -> str:
    for label, needles in BUCKETS:
        if any(needle in frame for frame in frames for needle in needles):
            if label.startswith("idle worker") and any("_run_sync_endpoint" in f or "run_endpoint_function" in f
                                                       or "(gis_server/" in f for f in frames):
                return ENDPOINT_THREAD
            return label
    return "other"


def summarize(folded: Path, top: int = 12) -> dict[str, Any]:
    """Share (%) of samples in each bucket (exclusive, adding up to 100), and the top frames by own time."""
    own: Counter[str] = Counter()
    buckets: Counter[str] = Counter()
    total = 0
    if not folded.exists():
        return {"samples": 0, "stages": {}, "top_own": []}
    for line in folded.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_short(f) for f in stack.split(";")]
        own[frames[-1]] += n
        buckets[_bucket(frames)] += n
    total = max(total, 1)
    order = [label for label, _ in BUCKETS] + [ENDPOINT_THREAD, "other"]
    shares = {label: round(100.0 * buckets[label] / total, 1) for label in order if buckets[label]}
    return {"samples": total, "stages": shares,
            "top_own": [[frame, round(100.0 * n / total, 1)] for frame, n in own.most_common(top)]}
