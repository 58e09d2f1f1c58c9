"""The latest position of each of a set of vehicles within a time window (the live fleet view).

One statement per call, answered from the tables' primary key `(plate, time)` — one backward index
probe per vehicle, however many positions the window holds:

- PostGIS: `unnest(plates)` joined `LATERAL` to `rt_positions … ORDER BY time DESC LIMIT 1` (the
  day partitions outside the window are pruned at run time);
- GeoPackage: `json_each(plates)` joined to the row whose time is the vehicle's `max(time_ms)` in
  the window (SQLite answers a `max()` over an index prefix with one seek).

A vehicle with no report in the window is left out. A store without the positions table answers
nothing. May import: `layers`, this package's modules; never `gis_server`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from domains.road_transport.positions.batch import from_ms
from domains.road_transport.positions.store import TABLE
from layers.errors import StoreUnavailable
from layers.stores.base import FeatureStore


@dataclass(frozen=True, slots=True)
class LatestPosition:
    plate: str
    time_ms: int
    lon: float
    lat: float
    speed_kmh: float
    heading_deg: float


_POSTGIS = (
    "SELECT p.plate, CAST(floor(extract(epoch FROM x.time) * 1000) AS bigint), ST_X(x.geom), ST_Y(x.geom), "
    "x.speed_kmh, x.heading_deg "
    "FROM unnest(CAST(:plates AS text[])) AS p(plate) "
    f"CROSS JOIN LATERAL (SELECT r.time, r.geom, r.speed_kmh, r.heading_deg FROM {TABLE} r "
    "WHERE r.plate = p.plate AND r.time >= :start AND r.time <= :end ORDER BY r.time DESC LIMIT 1) AS x "
    "ORDER BY p.plate"
)
_GEOPACKAGE = (
    "SELECT r.plate, r.time_ms, r.lon, r.lat, r.speed_kmh, r.heading_deg "
    f"FROM json_each(?) AS p JOIN {TABLE} AS r ON r.plate = p.value AND r.time_ms = "
    f"(SELECT max(q.time_ms) FROM {TABLE} AS q WHERE q.plate = p.value AND q.time_ms >= ? AND q.time_ms <= ?) "
    "ORDER BY r.plate"
)


def latest_positions(store: FeatureStore, plates: Sequence[str], start_ms: int, end_ms: int) -> list[LatestPosition]:
    """Per plate (sorted), its newest position with start ≤ time ≤ end; plates without one are left out."""
    names = sorted(set(plates))
    if not names:
        return []
    if store.kind == "postgis":
        rows = _postgis(store, names, start_ms, end_ms)
    elif store.kind == "geopackage":
        rows = _geopackage(store, names, start_ms, end_ms)
    else:
        raise StoreUnavailable(f"此数据存储不支持车辆位置 / store kind {store.kind!r} cannot keep positions")
    return [LatestPosition(str(plate), int(t), float(lon), float(lat), float(speed), float(heading))
            for plate, t, lon, lat, speed, heading in rows]


def _postgis(store: FeatureStore, names: list[str], start_ms: int, end_ms: int) -> list[sa.Row[tuple[object, ...]]]:
    from layers.stores.postgis import PostgisStore
    from layers.stores.postgis.support import translated

    assert isinstance(store, PostgisStore)
    with translated(TABLE), store.read_engine.connect() as conn:
        if conn.execute(sa.text("SELECT to_regclass(:t)"), {"t": TABLE}).scalar() is None:
            return []
        return list(conn.execute(sa.text(_POSTGIS), {"plates": names, "start": from_ms(start_ms),
                                                     "end": from_ms(end_ms)}))


def _geopackage(store: FeatureStore, names: list[str], start_ms: int,
                end_ms: int) -> list[sa.Row[tuple[object, ...]]]:
    from layers.stores.geopackage import GeoPackageStore
    from layers.stores.geopackage.engine import reading

    assert isinstance(store, GeoPackageStore)
    with reading(store.engine) as conn:
        found = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,))
        if found.first() is None:
            return []
        return list(conn.exec_driver_sql(_GEOPACKAGE, (json.dumps(names, ensure_ascii=False), int(start_ms),
                                                       int(end_ms))))
