"""The ceiling for cached tiles: a bare Starlette app on uvicorn answering tiles from memory.

What a tile server that already holds the tile in memory cannot beat on this machine: no
routing beyond Starlette's, no middleware, no cache look-up beyond one dict access, the same
response headers a tile server sends (`Content-Type`, `Content-Encoding: gzip`, `ETag`,
`Cache-Control`, `Vary`). `uvicorn benchmarks.ceiling:app` (the benchmark starts it with the same
uvicorn options as the servers under test: one worker, uvloop, httptools, no access log).

- `ONEMAP_CEILING_TILES=<file>` (written by `write_tiles`): a table path → gzip tile; a request
  for a path in it gets exactly those bytes, so the ceiling sends what the server under test
  sends for the same URL list. Any other path gets the fixed tile.
- The fixed tile: a deterministic gzip MVT of about 50 KB (seeded random points and lines in
  one layer, encoded with mapbox-vector-tile) — the tile size the issue's 21,000/s was quoted for.
- Paths under `/__` answer 404 (the load generator's end-of-list marker).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
FIXED_TILE_BYTES = 50 * 1024
_MAGIC = b"ONEMAP-CEILING-1\n"


def fixed_tile(target: int = FIXED_TILE_BYTES, seed: int = 7) -> bytes:
    """A gzip MVT of about `target` bytes: seeded points and short lines in a layer `fixed`."""
    import mapbox_vector_tile

    rng = random.Random(seed)
    features: list[dict] = []
    body = b""
    while len(body) < target:
        for _ in range(200):
            x, y = rng.randint(0, 4095), rng.randint(0, 4095)
            if rng.random() < 0.5:
                geometry = f"POINT ({x} {y})"
            else:
                x2, y2 = min(4095, x + rng.randint(-60, 60) % 4096), min(4095, y + rng.randint(-60, 60) % 4096)
                geometry = f"LINESTRING ({x} {y}, {(x + x2) // 2} {y2}, {x2} {y2})"
            features.append({"geometry": geometry, "id": len(features) + 1, "properties": {
                "name": f"F{len(features):06d}", "category": "ABCDE"[rng.randrange(5)],
                "value": round(rng.uniform(0, 100), 2)}})
        mvt = mapbox_vector_tile.encode([{"name": "fixed", "features": features}],
                                        default_options={"y_coord_down": True})
        body = gzip.compress(mvt, compresslevel=6, mtime=0)
    return body


def write_tiles(path: Path, tiles: dict[str, bytes]) -> None:
    """Save a path → gzip tile table for `ONEMAP_CEILING_TILES` (a JSON index, then the bodies)."""
    index = {}
    offset = 0
    for url_path, body in tiles.items():
        index[url_path] = [offset, len(body)]
        offset += len(body)
    head = json.dumps(index).encode()
    with path.open("wb") as out:
        out.write(_MAGIC + struct.pack("<Q", len(head)) + head)
        for body in tiles.values():
            out.write(body)


def read_tiles(path: Path) -> dict[str, bytes]:
    data = path.read_bytes()
    if not data.startswith(_MAGIC):
        raise ValueError(f"{path}: not a ceiling tile table")
    start = len(_MAGIC) + 8
    (size,) = struct.unpack("<Q", data[len(_MAGIC):start])
    index = json.loads(data[start:start + size])
    base = start + size
    return {url_path: data[base + offset:base + offset + length] for url_path, (offset, length) in index.items()}


def _headers(body: bytes) -> dict[str, str]:
    return {"Content-Encoding": "gzip", "ETag": f'"{hashlib.blake2b(body, digest_size=8).hexdigest()}"',
            "Cache-Control": "public, no-cache", "Vary": "Accept-Encoding"}


def build_app() -> Starlette:
    table_file = os.environ.get("ONEMAP_CEILING_TILES")
    table = read_tiles(Path(table_file)) if table_file else {}
    fixed = fixed_tile()
    responses = {url_path: (body, _headers(body)) for url_path, body in table.items()}
    default = (fixed, _headers(fixed))

    async def tile(request: Request) -> Response:
        url_path = request.scope["path"]
        if url_path.startswith("/__"):
            return Response(b"", status_code=404)
        query = request.scope["query_string"]
        if query:
            url_path = f"{url_path}?{query.decode('latin-1')}"
        body, headers = responses.get(url_path, default)
        return Response(body, media_type=MVT_MEDIA_TYPE, headers=headers)

    async def health(request: Request) -> Response:
        return Response(json.dumps({"tiles": len(table), "fixed_bytes": len(fixed)}), media_type="application/json")

    return Starlette(routes=[Route("/healthz", health), Route("/{path:path}", tile)])



def start(workdir: Path, tiles_file: Path | None, name: str = "ceiling") -> Any:
    """Run the ceiling app under uvicorn (one worker, as the servers under test); a `servers.Server`."""
    from benchmarks import servers

    port = servers.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEMAP_")}
    env["PYTHONPATH"] = str(servers.REPO)
    if tiles_file is not None:
        env["ONEMAP_CEILING_TILES"] = str(tiles_file)
    log_path = workdir / f"{name}.log"
    command = [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.ceiling:build_app", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = servers.Server(name, port, 1, process, log_path)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=5).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"ceiling app did not start; see {log_path}:\n"
                               + log_path.read_text(errors="replace")[-2000:])
        time.sleep(0.3)
