"""Starting and stopping the servers under test, each a uvicorn subprocess on its own free port.

All three run the same way — `uvicorn <app> --workers N --no-access-log --log-level warning` —
so process model, event loop (uvloop) and HTTP parser (httptools) are equal:

- onemap: `gis_server.asgi:app` (what `onemap serve` runs), `ONEMAP_DATABASE_URL` → the bench DB;
- tipg: `tipg.main:app`, `DATABASE_URL`, `TIPG_DB_SCHEMAS`, `TIPG_DB_TABLES` (the two tables);
- pygeoapi: `pygeoapi.starlette_app:APP` with a generated config (`benchmarks.pygeoapi_config`).

Each server gets its own session (process group) so a multi-worker uvicorn is stopped whole;
logs go to `<workdir>/<name>.log`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks import pygeoapi_config
from layers.model import LayerDefinition

SERVERS = ("onemap", "tipg", "pygeoapi")
#: Extra rows: OneMap with more workers (`onemap_w2` = two workers), and OneMap counting every
#: `numberMatched` exactly (`onemap_exact`: `ONEMAP_COUNT_BUDGET_MS=0`, measured on the CQL2 cases).
EXTRA = ("onemap_w2", "onemap_w4", "onemap_exact")
APPS = {"onemap": "gis_server.asgi:app", "tipg": "tipg.main:app", "pygeoapi": "pygeoapi.starlette_app:APP"}
REPO = Path(__file__).resolve().parents[1]


@dataclass
class Server:
    name: str
    port: int
    workers: int
    process: subprocess.Popen[bytes]
    log_path: Path
    collections: dict[str, str] = field(default_factory=dict)  # layer id → this server's collection id

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def items_url(self, layer_id: str) -> str:
        return f"{self.base_url}/collections/{self.collections[layer_id]}/items"

    @property
    def pids(self) -> list[int]:
        """The uvicorn process and its worker children (for profiling)."""
        out = subprocess.run(["pgrep", "-g", str(self.process.pid)], capture_output=True, text=True).stdout
        return sorted(int(p) for p in out.split())

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kind_of(name: str) -> tuple[str, int]:
    """`onemap_w2` → ("onemap", 2); `tipg` → ("tipg", 1); `onemap_exact` → ("onemap", 1)."""
    if name == "onemap_exact":
        return "onemap", 1
    kind, _, workers = name.partition("_w")
    return kind, int(workers or 1)


def start(name: str, database_url: str, layers: list[LayerDefinition], workdir: Path,
          extra_env: dict[str, str] | None = None) -> Server:
    """Start one server; `extra_env` is added to its environment last (e.g. a tile cache directory)."""
    kind, workers = kind_of(name)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONEMAP_", "TIPG_", "PYGEOAPI_"))}
    env["PYTHONPATH"] = str(REPO)
    collections = {layer.id: layer.id for layer in layers}
    if kind == "onemap":
        env["ONEMAP_DATABASE_URL"] = database_url
        env["ONEMAP_RATE_LIMIT"] = "1000000000/second"  # the limiter runs (its cost is measured), never trips
        if name == "onemap_exact":
            env["ONEMAP_COUNT_BUDGET_MS"] = "0"
    elif kind == "tipg":
        env["DATABASE_URL"] = database_url
        env["TIPG_DB_SCHEMAS"] = json.dumps(["public"])
        env["TIPG_DB_TABLES"] = json.dumps([f"public.{layer.id}" for layer in layers])
        env["TIPG_CATALOG_TTL"] = "300"
        collections = {layer.id: f"public.{layer.id}" for layer in layers}
    elif kind == "pygeoapi":
        env.update(pygeoapi_config.write_config(workdir, database_url, layers, port))
    else:
        raise ValueError(f"unknown server {name!r}")
    env.update(extra_env or {})
    log_path = workdir / f"{name}.log"
    command = [sys.executable, "-m", "uvicorn", APPS[kind], "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Server(name, port, workers, process, log_path, collections)
    try:
        _wait_ready(server, layers[0].id)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_ready(server: Server, layer_id: str, timeout: float = 120.0) -> None:
    url = f"{server.items_url(layer_id)}?limit=1&f=json"
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited ({server.process.returncode}); see {server.log_path}:\n"
                               + server.log_path.read_text(errors="replace")[-2000:])
        try:
            response = httpx.get(url, timeout=30)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:300]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.5)
    raise RuntimeError(f"{server.name} not ready after {timeout:.0f} s ({last}); see {server.log_path}")
