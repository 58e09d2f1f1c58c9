"""Real server processes for tests that talk HTTP to OneMap (or another ASGI app) on a free port."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-4000:] if log.exists() else ""


def start_server(command: Callable[[int], list[str]], env: dict[str, str], workdir: Path, *,
                 ready_path: str = "/collections", cwd: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Run `command(port)` on a free port, its output logged in `workdir`; return once `ready_path`
    answers 200 (fail the test, with the log, if it exits or does not answer in time)."""
    port = free_port()
    log = workdir / f"server-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(command(port), env=env, cwd=cwd or workdir, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{_log_tail(log)}")
        try:
            if httpx.get(f"{url}{ready_path}", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    pytest.fail(f"server did not answer within {START_TIMEOUT_S}s:\n{_log_tail(log)}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def serving(command: Callable[[int], list[str]], env: dict[str, str], workdir: Path, *,
            ready_path: str = "/collections", cwd: Path | None = None) -> Iterator[str]:
    proc, url = start_server(command, env, workdir, ready_path=ready_path, cwd=cwd)
    try:
        yield url
    finally:
        stop_server(proc)
