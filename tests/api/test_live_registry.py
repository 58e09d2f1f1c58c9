"""Layers registered while the server runs appear in /collections of every worker, no restart."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

TOKEN = "live-registry-token"
LAYER_YAML = """
layers:
  - id: {id}
    title_zh: 临时图层{n}
    title_en: Temporary layer {n}
    domain: base
    catalogue_code: JL-JT-TEST-{n:04d}
    geometry_type: Point
    fields:
      - {{name: name, type: string, title_zh: 名称}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(store_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = _free_port()
    env = {**os.environ, "ONEMAP_DATABASE_URL": store_url, "ONEMAP_ADMIN_TOKEN": TOKEN}
    onemap = [sys.executable, "-m", "gis_server.cli.main"]
    subprocess.run([*onemap, "layers"], env=env, check=True, capture_output=True)  # initialize the store
    proc = subprocess.Popen([*onemap, "serve", "--port", str(port), "--workers", "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/collections", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("server did not start")
    try:
        yield base, env
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _ids_seen_by_many_connections(base: str) -> list[set[str]]:
    seen = []
    for _ in range(24):
        with httpx.Client() as fresh:  # a new connection each time, spread over the workers
            seen.append({c["id"] for c in fresh.get(f"{base}/collections").json()["collections"]})
    return seen


def test_layer_registered_over_http_reaches_every_worker(server: tuple[str, dict[str, str]]) -> None:
    base, _env = server
    response = httpx.post(f"{base}/admin/layers", content=LAYER_YAML.format(id="temp_http", n=1),
                          headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/yaml"})
    assert response.status_code == 201, response.text
    assert all("temp_http" in ids for ids in _ids_seen_by_many_connections(base))


def test_layer_registered_by_the_cli_reaches_the_running_server(server: tuple[str, dict[str, str]],
                                                                tmp_path: Path) -> None:
    base, env = server
    definition = tmp_path / "layer.yaml"
    definition.write_text(LAYER_YAML.format(id="temp_cli", n=2), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "gis_server.cli.main", "layers", "register", str(definition)],
                   env=env, check=True, capture_output=True)
    assert all("temp_cli" in ids for ids in _ids_seen_by_many_connections(base))
    assert httpx.get(f"{base}/collections/temp_cli").json()["title"] == "临时图层2"


def test_registering_needs_the_admin_role(server: tuple[str, dict[str, str]]) -> None:
    base, _env = server
    response = httpx.post(f"{base}/admin/layers", content=LAYER_YAML.format(id="temp_anon", n=3),
                          headers={"Content-Type": "application/yaml"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
