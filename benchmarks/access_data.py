"""The access benchmark's data: two point layers with the same rows, one open, one guarded.

Built through OneMap's own store (`LayerRegistry` + `store.insert`) in a PostGIS database,
deterministic from the seed: points uniformly over Jilin (the benchmark extent of
`setup_data.JILIN`), each with `name`, `adcode` (one of the nine prefecture codes, by the point's
cell in a 3×3 grid over the extent — the middle cell is Changchun, 220100), `plate` (吉A12345 style,
the letter of the prefecture) and `internal_note`.

- `bench_open`: read by `public`, no access rules — the unauthenticated baseline;
- `bench_guarded`: read by `inspector`; `access.region_field: adcode`, `unmask_roles: [lead]`;
  `plate` is `sensitive: plate` and `internal_note` is read by `lead` only, so an inspector of
  Changchun reads through a row filter, a masked field and a hidden field.

Also here: the random request boxes and the fixed tile list, all inside the Changchun cell, so every
caller gets the same rows. Imports `benchmarks.setup_data` and `layers`; nothing of the server.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import morecantile
import numpy as np
import shapely

from benchmarks.setup_data import JILIN, Log, ensure_database, vacuum_analyze
from layers.access.rules import AccessRules, SensitiveKind
from layers.errors import LayerNotFound
from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord, FeatureStore

OPEN, GUARDED = "bench_open", "bench_guarded"
DEFAULT_ROWS = 200_000
DEFAULT_SEED = 20250301
#: Bumped when the generated rows change, so existing tables are rebuilt.
DATA_REVISION = 1
CHANGCHUN = "220100"
#: Prefecture codes by grid cell, rows south → north, columns west → east (roughly where they lie).
GRID = (("220400", "220500", "220600"),
        ("220300", CHANGCHUN, "220200"),
        ("220800", "220700", "222400"))
PLATE_LETTER = {"220100": "A", "220200": "B", "220300": "C", "220400": "D", "220500": "E", "220600": "F",
                "220700": "J", "220800": "G", "222400": "H"}
#: Where the request boxes and tiles lie: well inside the Changchun cell.
CITY_AREA = (125.0, 43.3, 126.2, 44.3)
TILE_ZOOMS = (10, 11, 12)
_CHUNK = 50_000


def cell_bounds(row: int, col: int) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = JILIN
    width, height = (maxx - minx) / 3, (maxy - miny) / 3
    return minx + col * width, miny + row * height, minx + (col + 1) * width, miny + (row + 1) * height


CHANGCHUN_CELL = cell_bounds(1, 1)


def layer_definitions(rows: int, seed: int) -> tuple[LayerDefinition, LayerDefinition]:
    """(bench_open, bench_guarded): the same fields; the guarded one with its access rules."""
    note = f"benchmarks.access_data rows={rows} seed={seed} revision={DATA_REVISION}"

    def fields(guarded: bool) -> tuple[FieldSpec, ...]:
        return (
            FieldSpec(name="name", type=FieldType.STRING, title_zh="名称", title_en="Name"),
            FieldSpec(name="adcode", type=FieldType.STRING, title_zh="行政区划代码", title_en="Division code",
                      max_length=6),
            FieldSpec(name="plate", type=FieldType.STRING, title_zh="车牌号", title_en="Plate",
                      sensitive=SensitiveKind.PLATE if guarded else None),
            FieldSpec(name="internal_note", type=FieldType.STRING, title_zh="内部备注", title_en="Internal note",
                      read_roles=("lead",) if guarded else ()),
        )

    common = {"description_zh": note, "domain": "benchmark", "geometry_type": GeometryType.POINT}
    open_layer = LayerDefinition(id=OPEN, title_zh="访问基准（公开）", title_en="Access benchmark (open)",
                                 catalogue_code="BENCH-ACCESS-OPEN", fields=fields(False), read_roles=("public",),
                                 **common)
    guarded = LayerDefinition(id=GUARDED, title_zh="访问基准（受控）", title_en="Access benchmark (guarded)",
                              catalogue_code="BENCH-ACCESS-GUARDED", fields=fields(True), read_roles=("inspector",),
                              access=AccessRules(region_field="adcode", unmask_roles=("lead",)), **common)
    return open_layer, guarded


def adcodes(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    minx, miny, maxx, maxy = JILIN
    cols = np.clip(((xs - minx) / (maxx - minx) * 3).astype(int), 0, 2)
    rows = np.clip(((ys - miny) / (maxy - miny) * 3).astype(int), 0, 2)
    return np.array(GRID, dtype=object)[rows, cols]


def records(rows: int, seed: int) -> Iterator[FeatureRecord]:
    """The rows, chunk by chunk; the same seed gives the same rows."""
    rng = np.random.default_rng([seed, 7])
    minx, miny, maxx, maxy = JILIN
    done = 0
    while done < rows:
        n = min(_CHUNK, rows - done)
        xs, ys = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
        codes = adcodes(xs, ys)
        numbers = rng.integers(0, 100_000, n)
        points = shapely.points(xs, ys)
        for i in range(n):
            k = done + i + 1
            code = str(codes[i])
            yield FeatureRecord(geometry=points[i], properties={
                "name": f"监测点{k:07d}", "adcode": code, "plate": f"吉{PLATE_LETTER[code]}{int(numbers[i]):05d}",
                "internal_note": f"内部备注 {k:07d}",
            })
        done += n


@dataclass(frozen=True)
class AccessData:
    url: str  # postgresql://… (no driver suffix)
    open_layer: LayerDefinition
    guarded: LayerDefinition
    rows: int
    build_seconds: dict[str, float | None]  # layer id → seconds to build (None: reused)


def _ensure(store: FeatureStore, registry: LayerRegistry, layer: LayerDefinition, rows: int, seed: int,
            log: Log) -> float | None:
    import time

    try:
        current = registry.get(layer.id)
    except LayerNotFound:
        current = None
    if current == layer and store.layer_state(layer).feature_count == rows:
        log(f"{layer.id}: reusing {rows:,} rows")
        return None
    if current is not None:
        log(f"{layer.id}: dropping the stale table")
        registry.drop(layer.id)
    registry.register(layer)
    started = time.perf_counter()
    store.insert(layer, records(rows, seed))
    seconds = time.perf_counter() - started
    log(f"{layer.id}: {rows:,} rows in {seconds:.1f} s")
    vacuum_analyze(store, layer.id, log)
    return seconds


def build(admin_url: str, database: str, rows: int, seed: int, log: Log) -> AccessData:
    """The database and both layers, built or reused."""
    url = ensure_database(admin_url, database, log)
    store = open_store(url)
    try:
        registry = LayerRegistry(store)
        open_layer, guarded = layer_definitions(rows, seed)
        seconds = {layer.id: _ensure(store, registry, layer, rows, seed, log) for layer in (open_layer, guarded)}
    finally:
        store.close()
    return AccessData(url, open_layer, guarded, rows, seconds)


# -- requests ----------------------------------------------------------------------------------------
def box_size(rows: int) -> float:
    """The side of the request boxes: ~240 points at any row count (0.25° at 200,000 rows)."""
    return min(0.25 * (DEFAULT_ROWS / rows) ** 0.5, 0.9)


def random_boxes(seed: Sequence[int], n: int, size: float) -> list[str]:
    """`n` bbox parameters, `size`° squares at random places inside `CITY_AREA`."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = CITY_AREA
    xs = rng.uniform(minx, maxx - size, n)
    ys = rng.uniform(miny, maxy - size, n)
    return [f"{x:.5f},{y:.5f},{x + size:.5f},{y + size:.5f}" for x, y in zip(xs, ys, strict=True)]


def items_paths(layer_id: str, limit: int, seed: Sequence[int], n: int, size: float) -> list[str]:
    """`n` item-page paths of `limit` features in random boxes (a new sequence for every seed)."""
    return [f"/collections/{layer_id}/items?bbox={box}&limit={limit}" for box in random_boxes(seed, n, size)]


def tile_paths(layer_id: str) -> list[str]:
    """The z10–12 WebMercatorQuad tiles over `CITY_AREA` lying wholly inside the Changchun cell."""
    tms = morecantile.tms.get("WebMercatorQuad")
    left, bottom, right, top = CHANGCHUN_CELL
    paths = []
    for tile in tms.tiles(*CITY_AREA, list(TILE_ZOOMS)):
        b = tms.bounds(tile)
        if b.left >= left and b.right <= right and b.bottom >= bottom and b.top <= top:
            paths.append(f"/collections/{layer_id}/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}")
    return paths
