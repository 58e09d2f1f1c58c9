"""What the tiles benchmark requests, and the checks on what comes back.

- `LayerSet`: one tileset under test — a single layer (OneMap and tipg) or the composite
  `collections=lines,points` (OneMap alone: tipg 1.6 has no multi-layer tiles).
- `light_tiles(...)`: seeded random, distinct WebMercatorQuad tiles at z12–14 inside the data area
  (every request a cache miss), never a tile of the trace.
- `fetch_tiles(...)`: each tile once (a few concurrent clients), raw gzip bytes kept — the largest
  tile per zoom, and the bodies the ceiling app replays.
- `verify(...)`: the probe tiles (OneMap's fullest at z8/10/12/14) decode as MVT (extent 4096),
  OneMap's layers carry the layer ids, and at z14 every feature with a vertex inside OneMap's tile
  proper (by its unique `name`) is in tipg's too (the buffers differ: OneMap selects and clips by
  the tile plus 64 units, tipg selects by the tile and clips at 256) — which also proves the
  z/row/col against z/x/y spelling.
"""

from __future__ import annotations

import asyncio
import gzip
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks.tile_trace import Tile, tile_path, to_px

JILIN = (121.6, 40.9, 131.3, 46.3)
LIGHT_ZOOMS = (12, 13, 14)
TIPG_FEATURE_CAP = 10_000


@dataclass(frozen=True)
class LayerSet:
    key: str  # "lines" | "points" | "composite" | "samples"
    label: str
    layer_ids: tuple[str, ...]

    @property
    def composite(self) -> bool:
        return len(self.layer_ids) > 1

    def supports(self, server: str) -> bool:
        """tipg serves one table per tile; the ceiling replays whatever OneMap sent."""
        return not (server == "tipg" and self.composite)

    def paths(self, tiles: Sequence[Tile], server: str) -> list[str]:
        kind = "tipg" if server == "tipg" else "onemap"
        return [tile_path(t, kind, list(self.layer_ids)) for t in tiles]


def light_tiles(seed: int, count: int, exclude: set[Tile] | None = None) -> list[Tile]:
    """`count` distinct tiles at z12–14 whose centre area lies in Jilin (uniform zoom, uniform place)."""
    rng = random.Random(seed)
    minx, miny, maxx, maxy = JILIN
    seen: set[Tile] = set(exclude or ())
    out: list[Tile] = []
    attempts = 0
    while len(out) < count:
        attempts += 1
        if attempts > count * 50:
            raise RuntimeError(f"could not draw {count} distinct light tiles")
        z = rng.choice(LIGHT_ZOOMS)
        x, y = to_px(rng.uniform(minx, maxx), rng.uniform(miny, maxy), z)
        tile = Tile(z, int(y // 512), int(x // 512))
        if tile not in seen:
            seen.add(tile)
            out.append(tile)
    return out


# -- fetching --------------------------------------------------------------------------------------
async def _fetch_all(base_url: str, paths: list[str], concurrency: int, timeout: float) -> dict[str, tuple[int, bytes]]:
    queue = list(reversed(paths))
    out: dict[str, tuple[int, bytes]] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout,
                                 headers={"Accept-Encoding": "gzip"}) as client:

        async def worker() -> None:
            while queue:
                path = queue.pop()
                async with client.stream("GET", path) as response:
                    body = b"".join([chunk async for chunk in response.aiter_raw()])
                    gzipped = response.headers.get("content-encoding") == "gzip"
                    out[path] = (response.status_code, body if gzipped or not body else gzip.compress(body, 6))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return out


def fetch_tiles(base_url: str, paths: list[str], concurrency: int = 4, timeout: float = 300.0
                ) -> dict[str, tuple[int, bytes]]:
    """path → (status, gzip body) for each distinct path (a body sent uncompressed is gzipped here, level 6)."""
    return asyncio.run(_fetch_all(base_url, list(dict.fromkeys(paths)), concurrency, timeout))


def decode(body: bytes) -> dict[str, Any]:
    import mapbox_vector_tile

    raw = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
    return mapbox_vector_tile.decode(raw) if raw else {}


def largest_per_zoom(tiles: Sequence[Tile], paths: Sequence[str], fetched: dict[str, tuple[int, bytes]]
                     ) -> dict[int, dict[str, Any]]:
    """zoom → the largest gzip tile: bytes, tile, features per MVT layer (decoded), capped by tipg's limit."""
    best: dict[int, tuple[int, Tile, str]] = {}
    for tile, path in zip(tiles, paths, strict=True):
        status, body = fetched[path]
        if status == 200 and (tile.z not in best or len(body) > best[tile.z][0]):
            best[tile.z] = (len(body), tile, path)
    out: dict[int, dict[str, Any]] = {}
    for z, (size, tile, path) in sorted(best.items()):
        layers = decode(fetched[path][1])
        features = {name: len(layer["features"]) for name, layer in layers.items()}
        out[z] = {"bytes": size, "tile": [tile.z, tile.row, tile.col], "features": features,
                  "capped": any(n >= TIPG_FEATURE_CAP for n in features.values())}
    return out


# -- verification ----------------------------------------------------------------------------------
def _inside(geometry: dict[str, Any]) -> bool:
    """Whether a decoded MVT geometry has a vertex inside the tile proper (not only in the buffer):
    servers clip with different buffers and select features by the tile or by the buffered tile."""
    def points(coords: Any) -> list[Any]:
        if coords and isinstance(coords[0], (int, float)):
            return [coords]
        return [p for c in coords for p in points(c)]

    return any(0 <= x <= 4096 and 0 <= y <= 4096 for x, y in points(geometry["coordinates"]))


def smoke_tile() -> Tile:
    """A tile off the coast of Liaoning (no data: cheap for every server) to check URLs before a run."""
    x, y = to_px(122.5, 39.0, 15)
    return Tile(15, int(y // 512), int(x // 512))


def probe_tiles(tiles: Sequence[Tile], paths: Sequence[str], fetched: dict[str, tuple[int, bytes]]) -> list[Tile]:
    """At z8, z10, z12 and z14, the tile for which `fetched` (OneMap's answers) holds the most bytes."""
    picked: dict[int, tuple[int, Tile]] = {}
    for tile, path in zip(tiles, paths, strict=True):
        size = len(fetched[path][1])
        if tile.z in (8, 10, 12, 14) and (tile.z not in picked or size > picked[tile.z][0]):
            picked[tile.z] = (size, tile)
    return [picked[z][1] for z in sorted(picked)]


def verify(layer_set: LayerSet, tiles: Sequence[Tile], fetched: dict[str, dict[str, tuple[int, bytes]]]
           ) -> dict[str, Any]:
    """Decode the probe tiles each server sent (`fetched`: server → path → (status, gzip body));
    the note says what disagrees (empty: all well)."""
    found: dict[str, list[dict[str, Any]]] = {}
    notes: list[str] = []
    for server, bodies in fetched.items():
        rows = []
        for tile, path in zip(tiles, layer_set.paths(tiles, server), strict=True):
            status, body = bodies[path]
            row: dict[str, Any] = {"tile": [tile.z, tile.row, tile.col], "status": status, "bytes": len(body)}
            if status == 200:
                layers = decode(body)
                row["features"] = {name: len(layer["features"]) for name, layer in layers.items()}
                row["extents"] = sorted({layer.get("extent") for layer in layers.values()})
                row["names"] = sorted(f["properties"].get("name", "") for layer in layers.values()
                                      for f in layer["features"] if _inside(f["geometry"])) if tile.z == 14 else []
            else:
                notes.append(f"{server} {path}: HTTP {status} {body[:200]!r}")
            rows.append(row)
        found[server] = rows
    ours = found.get("onemap", [])
    for row in ours:
        if row["status"] == 200 and row.get("features") and set(row["features"]) - set(layer_set.layer_ids):
            notes.append(f"onemap {row['tile']}: unexpected MVT layers {sorted(row['features'])}")
        if row.get("extents") and row["extents"] != [4096]:
            notes.append(f"onemap {row['tile']}: extent {row['extents']}")
    for row, theirs in zip(ours, found.get("tipg", []), strict=False):
        if row["tile"][0] == 14 and row["status"] == theirs["status"] == 200:
            mine, other = set(row["names"]), set(theirs["names"])
            if not mine or not mine <= other:
                notes.append(f"z14 tile {row['tile']}: {len(mine - other)} of onemap's {len(mine)} features "
                             f"not in tipg's {len(other)}")
    for rows in found.values():
        for row in rows:
            row["names"] = len(row.get("names", []))
    return {"probes": found, "note": "; ".join(notes)}
