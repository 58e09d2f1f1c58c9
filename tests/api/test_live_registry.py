"""Layers registered while the server runs appear in /collections of every worker, no restart."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live_server import serving

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


@pytest.fixture
def server(store_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = {**os.environ, "ONEMAP_DATABASE_URL": store_url, "ONEMAP_ADMIN_TOKEN": TOKEN}
    command = [sys.executable, "-m", "gis_server.cli.main"]
    subprocess.run([*command, "layers"], env=env, check=True, capture_output=True)  # initialize the store
    with serving(lambda port: [*command, "serve", "--port", str(port), "--workers", "2"], env, tmp_path) as base:
        yield base, env


def _ids_seen_by_many_connections(base: str) -> list[set[str]]:
    seen = []
    for _ in range(24):
        with httpx.Client() as fresh:  # a new connection each time, spread over the workers
            seen.append({c["id"] for c in fresh.get(f"{base}/collections").json()["collections"]})
    return seen


def test_layers_registered_over_http_or_by_the_cli_reach_every_worker(server: tuple[str, dict[str, str]],
                                                                     tmp_path: Path) -> None:
    """One running two-worker server: an anonymous registration is refused, one by the admin over HTTP
    and one by the CLI reach every worker's /collections without a restart."""
    base, env = server
    refused = httpx.post(f"{base}/admin/layers", content=LAYER_YAML.format(id="temp_anon", n=3),
                         headers={"Content-Type": "application/yaml"})
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")

    response = httpx.post(f"{base}/admin/layers", content=LAYER_YAML.format(id="temp_http", n=1),
                          headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/yaml"})
    assert response.status_code == 201, response.text
    assert all("temp_http" in ids and "temp_anon" not in ids for ids in _ids_seen_by_many_connections(base))

    definition = tmp_path / "layer.yaml"
    definition.write_text(LAYER_YAML.format(id="temp_cli", n=2), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "gis_server.cli.main", "layers", "register", str(definition)],
                   env=env, check=True, capture_output=True)
    assert all("temp_cli" in ids for ids in _ids_seen_by_many_connections(base))
    assert httpx.get(f"{base}/collections/temp_cli").json()["title"] == "临时图层2"
