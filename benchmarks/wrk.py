"""The HTTP load generator of the tiles benchmark: `wrk` (Debian package `wrk`) walking a URL list.

Why wrk: tile rates reach 20,000 requests/s on loopback, which a Python client cannot send
without eating the core the server needs; wrk (C, epoll, HTTP/1.1 keep-alive) sends them from
one thread with a fraction of a core, and its Lua hook (`walk.lua`) lets every connection take
the next path of a recorded list. `require_wrk()` says how to install it when it is missing.

`run(...)` writes the paths to a file, starts wrk with `walk.lua` and returns one dict: requests,
seconds, req/s, latency percentiles (ms, from wrk's own histogram), errors, wraps. Modes (see
walk.lua): `loop` and `distinct` run for a fixed time; `once` sends every path exactly once — the
threads print when their last tile has arrived, the wall time is taken then and wrk is stopped with
SIGINT (wrk itself always sleeps its whole `-d`).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("walk.lua")
INSTALL_HINT = ("未找到 wrk 压测工具 / the load generator `wrk` is not installed: "
                "run `apt-get install wrk` (Debian package wrk 4.1) and try again")


class WrkMissing(RuntimeError):
    pass


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing(INSTALL_HINT)
    return path


def version() -> str:
    done = subprocess.run([require_wrk(), "--version"], capture_output=True, text=True)
    return (done.stdout or done.stderr).splitlines()[0].strip()


def run(base_url: str, paths: list[str], mode: str, workdir: Path, *, connections: int = 32, threads: int = 1,
        duration: float = 10.0, encoding: str = "gzip", timeout: float = 120.0, label: str = "run",
        headers: dict[str, str] | None = None) -> dict[str, Any]:
    """One wrk run over `paths` against `base_url`; `duration` is the cap in `once` mode; `headers` are
    sent with every request (e.g. `Authorization`)."""
    if mode not in ("loop", "distinct", "once"):
        raise ValueError(f"unknown mode {mode!r}")
    if not paths:
        raise ValueError("no paths to request")
    threads = max(1, min(threads, len(paths), connections))
    list_file = workdir / f"paths-{label}.txt"
    list_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    command = [require_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
               "--timeout", f"{round(timeout)}s", "-s", str(SCRIPT),
               *(arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")), base_url, "--",
               str(list_file), mode, str(threads), encoding]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    finished_at: float | None = None
    lines: list[str] = []
    if mode == "once":
        done_threads = 0
        for line in process.stdout:
            lines.append(line)
            if line.startswith("THREAD_DONE"):
                done_threads += 1
                if done_threads == threads:
                    finished_at = time.perf_counter()
                    process.send_signal(signal.SIGINT)
                    break
    out, err = process.communicate()
    lines += out.splitlines(keepends=True)
    if process.returncode not in (0, -signal.SIGINT):
        raise RuntimeError(f"wrk failed ({process.returncode}): {err[-1500:]}")
    result_line = next((line for line in lines if line.startswith("WRK_RESULT ")), None)
    if result_line is None:
        raise RuntimeError(f"wrk printed no result: {''.join(lines)[-1500:]} {err[-1500:]}")
    raw = json.loads(result_line.removeprefix("WRK_RESULT "))
    return summarize(raw, mode, len(paths), threads, connections, started, finished_at)


def summarize(raw: dict[str, Any], mode: str, n_paths: int, threads: int, connections: int, started: float,
              finished_at: float | None) -> dict[str, Any]:
    per = raw["threads"]
    errors = raw["errors"]
    latency = raw["latency_us"]
    if mode == "once":
        requests = sum(t["real"] for t in per)
        seconds = (finished_at - started) if finished_at is not None else raw["duration_us"] / 1e6
        bad = sum(t["bad"] for t in per)
        complete = finished_at is not None and requests == n_paths
    else:
        requests = raw["requests"]
        seconds = raw["duration_us"] / 1e6
        bad = errors["status"] if mode == "loop" else sum(t["bad"] for t in per)
        complete = True
    socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]

    def ms(key: str) -> float | None:
        value = latency.get(key)
        return None if value is None else round(value / 1000.0, 2)

    return {
        "requests": requests,
        "seconds": round(seconds, 3),
        "rps": round(requests / seconds, 1) if seconds > 0 else None,
        "p50_ms": ms("p50"), "p90_ms": ms("p90"), "p95_ms": ms("p95"), "p99_ms": ms("p99"),
        "max_ms": ms("max"), "mean_ms": ms("mean"),
        "errors": bad + socket_errors,
        "non_200": bad,
        "socket_errors": {k: v for k, v in errors.items() if k != "status" and v},
        "wrapped": sum(t["wrapped"] for t in per),
        "complete": complete,
        "mean_kb": round(raw["bytes"] / max(raw["requests"], 1) / 1024, 1),
        "mode": mode,
        "paths": n_paths,
        "threads": threads,
        "connections": connections,
    }
