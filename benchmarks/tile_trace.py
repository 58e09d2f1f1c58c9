"""The recorded pan-and-zoom trace over Jilin (z5–15) that the tiles benchmark replays.

A trace is what a tile server sees from a few map users: each *session* opens the province
overview, zooms step by step into a city, pans around it at street level, zooms back out and
flies to another city. For every view we record the tiles a MapLibre map of 1280 × 800 pixels
asks for — WebMercatorQuad tiles of 512 pixels (MapLibre's default for vector sources, so map
zoom z draws tile matrix z) — centre first, leaving out tiles the same session already holds
(MapLibre keeps them), so a tile repeats only across sessions, as on a real server.

The trace is generated once from a seed (`python -m benchmarks.tile_trace` rewrites
`benchmarks/traces/province-pan-zoom.json`) and committed, so every run replays literally the
same requests. `load_trace()` reads it back; `tile_paths()` spells the tiles as URLs per server.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRACE_FILE = Path(__file__).with_name("traces") / "province-pan-zoom.json"
SEED = 20241105
SESSIONS = 12
VIEWPORT = (1280, 800)
TILE_PX = 512
MIN_ZOOM, MAX_ZOOM = 5, 15
PROVINCE_CENTRE = (126.45, 43.6)
#: Prefecture-level cities of Jilin (lon, lat): where the sessions go.
CITIES = {
    "长春 Changchun": (125.32, 43.82), "吉林 Jilin": (126.55, 43.84), "四平 Siping": (124.35, 43.17),
    "辽源 Liaoyuan": (125.14, 42.89), "通化 Tonghua": (125.94, 41.73), "白山 Baishan": (126.42, 41.94),
    "松原 Songyuan": (124.82, 45.14), "白城 Baicheng": (122.84, 45.62), "延吉 Yanji": (129.50, 42.89),
}
BOUNDS = (121.6, 40.9, 131.3, 46.3)


@dataclass(frozen=True)
class Tile:
    z: int
    row: int
    col: int


# -- Web Mercator pixels ---------------------------------------------------------------------------
def _world_px(z: int) -> float:
    return TILE_PX * 2.0**z


def to_px(lon: float, lat: float, z: int) -> tuple[float, float]:
    world = _world_px(z)
    phi = math.radians(lat)
    x = (lon + 180.0) / 360.0 * world
    y = (1.0 - math.log(math.tan(phi) + 1.0 / math.cos(phi)) / math.pi) / 2.0 * world
    return x, y


def to_lonlat(x: float, y: float, z: int) -> tuple[float, float]:
    world = _world_px(z)
    lon = x / world * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * y / world))))
    return lon, lat


def view_tiles(lon: float, lat: float, z: int) -> list[Tile]:
    """Tiles covering the viewport centred on (lon, lat) at zoom z, nearest the centre first."""
    cx, cy = to_px(lon, lat, z)
    half_w, half_h = VIEWPORT[0] / 2, VIEWPORT[1] / 2
    last = 2**z - 1
    cols = range(max(0, int((cx - half_w) // TILE_PX)), min(last, int((cx + half_w) // TILE_PX)) + 1)
    rows = range(max(0, int((cy - half_h) // TILE_PX)), min(last, int((cy + half_h) // TILE_PX)) + 1)
    tiles = [Tile(z, row, col) for row in rows for col in cols]
    return sorted(tiles, key=lambda t: ((t.col + 0.5) * TILE_PX - cx) ** 2 + ((t.row + 0.5) * TILE_PX - cy) ** 2)


# -- sessions --------------------------------------------------------------------------------------
def _clamp(lon: float, lat: float) -> tuple[float, float]:
    minx, miny, maxx, maxy = BOUNDS
    return min(max(lon, minx), maxx), min(max(lat, miny), maxy)


def _pan(rng: random.Random, lon: float, lat: float, z: int) -> tuple[float, float]:
    """Drag the map by 30–80 % of the viewport in a random direction."""
    x, y = to_px(lon, lat, z)
    angle = rng.uniform(0, 2 * math.pi)
    dist = rng.uniform(0.3, 0.8)
    x += math.cos(angle) * dist * VIEWPORT[0]
    y += math.sin(angle) * dist * VIEWPORT[1]
    return _clamp(*to_lonlat(x, y, z))


def _towards(lon: float, lat: float, target: tuple[float, float], share: float) -> tuple[float, float]:
    return lon + (target[0] - lon) * share, lat + (target[1] - lat) * share


def session_views(rng: random.Random, deepest: int) -> list[tuple[int, float, float]]:
    """(zoom, lon, lat) of one session: overview, zoom into a city, pan, out, fly on, in again."""
    views: list[tuple[int, float, float]] = []
    z = rng.choice((MIN_ZOOM, MIN_ZOOM, MIN_ZOOM + 1))
    lon, lat = PROVINCE_CENTRE
    views.append((z, lon, lat))
    cities = rng.sample(sorted(CITIES.values()), 2)
    for leg, city in enumerate(cities):
        target = _clamp(city[0] + rng.uniform(-0.05, 0.05), city[1] + rng.uniform(-0.05, 0.05))
        bottom = deepest if leg == 0 else rng.randint(max(MIN_ZOOM + 6, deepest - 3), deepest)
        while z < bottom:  # zoom in one level at a time, closing in on the city
            z += 1
            lon, lat = _towards(lon, lat, target, 0.6 if z < bottom else 1.0)
            views.append((z, lon, lat))
            if rng.random() < 0.35:
                lon, lat = _pan(rng, lon, lat, z)
                views.append((z, lon, lat))
        for _ in range(rng.randint(3, 6)):  # look around at street level
            lon, lat = _pan(rng, lon, lat, z)
            views.append((z, lon, lat))
        if leg + 1 < len(cities):  # back out to the region before the next city
            out = rng.randint(MIN_ZOOM + 2, MIN_ZOOM + 4)
            while z > out:
                z -= 1
                views.append((z, lon, lat))
    return views


def generate(seed: int = SEED, sessions: int = SESSIONS) -> dict[str, Any]:
    rng = random.Random(seed)
    views: list[list[Any]] = []
    tiles: list[list[int]] = []
    for number in range(sessions):
        deepest = MAX_ZOOM if number % 2 == 0 else rng.randint(MAX_ZOOM - 3, MAX_ZOOM)
        held: set[Tile] = set()
        for z, lon, lat in session_views(rng, deepest):
            new = [t for t in view_tiles(lon, lat, z) if t not in held]
            held.update(new)
            views.append([number, z, round(lon, 5), round(lat, 5), len(new)])
            tiles += [[t.z, t.row, t.col] for t in new]
    return {
        "description": "Pan-and-zoom over Jilin: map sessions of 1280x800 px with 512-px WebMercatorQuad tiles, "
                       "each zooming from the province overview into cities and panning; tiles in request order "
                       "as [z, row, col] (row from the top), tiles a session already holds left out.",
        "generator": "python -m benchmarks.tile_trace",
        "seed": seed,
        "tile_matrix_set": "WebMercatorQuad",
        "viewport_px": list(VIEWPORT),
        "tile_px": TILE_PX,
        "sessions": sessions,
        "views": views,
        "tiles": tiles,
    }


# -- reading and spelling --------------------------------------------------------------------------
def load_trace(path: Path = TRACE_FILE, sessions: int | None = None) -> list[Tile]:
    """The trace's tile requests in order (only the first `sessions` sessions when given)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    tiles = [Tile(*t) for t in data["tiles"]]
    if sessions is None:
        return tiles
    count = sum(view[4] for view in data["views"] if view[0] < sessions)
    return tiles[:count]


def tile_path(tile: Tile, server: str, layer_ids: list[str]) -> str:
    """The URL path (and query) of a tile on one server: OneMap z/row/col (one layer, or the dataset
    tile with `collections=` for several), tipg z/x/y = z/col/row with `public.<table>` ids."""
    if server == "tipg":
        (layer_id,) = layer_ids
        return f"/collections/public.{layer_id}/tiles/WebMercatorQuad/{tile.z}/{tile.col}/{tile.row}"
    if len(layer_ids) == 1:
        return f"/collections/{layer_ids[0]}/tiles/WebMercatorQuad/{tile.z}/{tile.row}/{tile.col}"
    return f"/tiles/WebMercatorQuad/{tile.z}/{tile.row}/{tile.col}?collections={','.join(layer_ids)}"


def tile_paths(tiles: list[Tile], server: str, layer_ids: list[str]) -> list[str]:
    return [tile_path(t, server, layer_ids) for t in tiles]


def _dump(trace: dict[str, Any]) -> str:
    """JSON with one view / one tile per line: small, and readable in a diff."""
    head = {k: v for k, v in trace.items() if k not in ("views", "tiles")}
    lines = json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ",\n"
    lines += ' "views": [\n' + ",\n".join("  " + json.dumps(v) for v in trace["views"]) + "\n ],\n"
    lines += ' "tiles": [\n' + ",\n".join("  " + json.dumps(t) for t in trace["tiles"]) + "\n ]\n}\n"
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tile_trace",
                                     description="Generate the recorded pan-and-zoom trace (deterministic).")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--output", type=Path, default=TRACE_FILE)
    args = parser.parse_args(argv)
    trace = generate(args.seed, args.sessions)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(_dump(trace), encoding="utf-8")
    zooms: dict[int, int] = {}
    for z, _row, _col in trace["tiles"]:
        zooms[z] = zooms.get(z, 0) + 1
    distinct = len({tuple(t) for t in trace["tiles"]})
    print(f"{args.output}: {len(trace['views'])} views, {len(trace['tiles'])} tile requests ({distinct} distinct); "
          f"per zoom {dict(sorted(zooms.items()))}")


if __name__ == "__main__":
    main()
