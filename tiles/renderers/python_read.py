"""What the Python tile renderer reads for one tile: the tile's frame and each layer's candidates.

`TileFrame` maps storage lon/lat (EPSG:4490) to tile units — EXTENT per tile side, y down, the
tile's top-left corner at (0, 0) — and gives the read area (tile plus `BUFFER`) and the size and
simplification thresholds in degrees, the same numbers the PostGIS renderer's SQL uses.

Sources read features highest priority first (plan keys, nulls last, then fid), at most a read
limit derived from the plan:

- `GeoPackageSource` reads the layer table through its R-tree inside one read transaction (one
  snapshot for every layer of the tile): one statement per layer, geometry blobs decoded in bulk,
  lines and areas too small for drop-smallest left out in SQL. Under the grid rules it reads
  geometries first and properties only for the features that survive thinning.
- `QuerySource` reads any other store through `FeatureStore.query`.

May import: numpy, shapely, orjson, sqlalchemy, layers.*, tiles.*.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any, Protocol

import numpy as np
import orjson
import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

from layers.access.masking import apply_masks
from layers.crs import transformer
from layers.errors import LayerNotFound
from layers.filters.to_sql import cql_to_sql
from layers.model import LayerDefinition, ThinningRule
from layers.query import GEOGRAPHIC_SRIDS, STORAGE_SRID, FeatureQuery, OutputCrs, SortKey
from layers.stores.base import FeatureStore
from layers.stores.geopackage import GeoPackageStore
from layers.stores.geopackage import geometry as gpb
from layers.stores.geopackage.dialect import GeoPackageDialect
from layers.stores.geopackage.engine import reading
from layers.stores.geopackage.schema import rtree_name
from layers.stores.geopackage.tables import layer_table
from tiles.matrix_sets import tile_bounds
from tiles.model import EXTENT, TileAddress
from tiles.plan import ADDED_PROPERTIES, LayerTilePlan
from tiles.renderers.thinning import TileFeature, effective_rule, priority_order

_DIALECT = GeoPackageDialect()

#: Tile units kept around the tile when clipping (as `ST_AsMVTGeom`'s buffer).
BUFFER = 64
#: Drop-densest and coalesce read this many times the feature limit, so the grid can fill the tile.
GRID_READ_FACTOR = 4
#: Never read more features than this for one layer of one tile.
READ_CAP = 50_000
#: Property names the renderer sets itself; a layer field of that name is left out of tiles.
_EARTH_RADIUS = 6378137.0  # EPSG:3857 sphere
_MAX_MERCATOR_LAT = 85.05112877980659
#: Topological dimension of each geometry type (0 points, 1 lines, 2 areas).
DIMENSION_OF = {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1, "Polygon": 2,
                "MultiPolygon": 2}
_ID_CHUNK = 900  # bound parameters per statement, within every SQLite's limit


def dimension(plan: LayerTilePlan) -> int:
    """0 for point layers, 1 for lines, 2 for areas."""
    return DIMENSION_OF[plan.layer.geometry_type.value]


def geometry_array(geometries: Sequence[BaseGeometry | None]) -> np.ndarray:
    """A 1-d object array of geometries (numpy would otherwise try to unpack multi-part geometries)."""
    out = np.empty(len(geometries), dtype=object)
    out[:] = list(geometries)
    return out


@cache
def tile_area() -> BaseGeometry:
    """The tile and its buffer in tile units (prepared; built once)."""
    area = shapely.box(-BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    shapely.prepare(area)
    return area


@dataclass(frozen=True, slots=True)
class TileFrame:
    """A tile's bounds in its matrix set's CRS and the mapping from storage lon/lat to tile units."""

    minx: float
    miny: float
    maxx: float
    maxy: float
    srid: int

    @classmethod
    def of(cls, address: TileAddress) -> TileFrame:
        return cls(*tile_bounds(address))

    @property
    def units_per_crs(self) -> tuple[float, float]:
        return EXTENT / (self.maxx - self.minx), EXTENT / (self.maxy - self.miny)

    @property
    def origin(self) -> tuple[float, float]:
        """The tile's top-left corner in tile units from the CRS origin (y up): anchors the thinning grid."""
        sx, sy = self.units_per_crs
        return self.minx * sx, self.maxy * sy

    def _project(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.srid in GEOGRAPHIC_SRIDS:
            return lon, lat
        if self.srid == 3857:
            lat = np.radians(np.clip(lat, -_MAX_MERCATOR_LAT, _MAX_MERCATOR_LAT))
            return _EARTH_RADIUS * np.radians(lon), _EARTH_RADIUS * np.log(np.tan(np.pi / 4 + lat / 2))
        x, y = transformer(STORAGE_SRID, self.srid).transform(lon, lat)
        return np.asarray(x), np.asarray(y)

    def to_tile(self, geometries: np.ndarray) -> np.ndarray:
        """Storage lon/lat geometries → tile units (float), y growing downwards."""
        sx, sy = self.units_per_crs

        def convert(xy: np.ndarray) -> np.ndarray:
            x, y = self._project(xy[:, 0], xy[:, 1])
            return np.column_stack(((x - self.minx) * sx, (self.maxy - y) * sy))

        return shapely.transform(geometries, convert)

    def read_bbox(self) -> tuple[float, float, float, float]:
        """The tile and its buffer as a storage lon/lat bbox."""
        sx, sy = self.units_per_crs
        bx, by = BUFFER / sx, BUFFER / sy
        minx, miny, maxx, maxy = self.minx - bx, self.miny - by, self.maxx + bx, self.maxy + by
        if self.srid in GEOGRAPHIC_SRIDS:
            return max(minx, -180.0), max(miny, -90.0), min(maxx, 180.0), min(maxy, 90.0)
        if self.srid == 3857:
            def lat(y: float) -> float:
                return math.degrees(math.atan(math.sinh(y / _EARTH_RADIUS)))

            lon0, lon1 = (math.degrees(v / _EARTH_RADIUS) for v in (minx, maxx))
            return max(lon0, -180.0), lat(miny), min(lon1, 180.0), lat(maxy)
        west, south, east, north = transformer(self.srid, STORAGE_SRID).transform_bounds(minx, miny, maxx, maxy)
        return west, south, east, north

    def _poleward(self, cap: float) -> float:
        _, south, _, north = self.read_bbox()
        return math.radians(min(cap, max(abs(south), abs(north))))

    def simplify_degrees(self, units: float) -> float:
        """The PostGIS renderer's simplification tolerance in storage degrees for `units` tile units:
        degrees of longitude per unit, times the cosine of the read area's poleward latitude in
        Mercator (never coarser than `units` anywhere in the tile)."""
        if units <= 0:
            return 0.0
        sx, _ = self.units_per_crs
        if self.srid == 3857:
            return units * math.degrees(1.0 / sx / _EARTH_RADIUS) * math.cos(self._poleward(89.0))
        return units / sx if self.srid in GEOGRAPHIC_SRIDS else 0.0

    def min_size_degrees(self, units: float) -> float:
        """Degrees under which an envelope is surely smaller than `units` tile units (with half a margin).

        Mercator stretches latitude by sec(latitude), so the threshold is taken at the read area's
        poleward edge, where a degree is longest; a degree of longitude is never shorter.
        """
        sx, _ = self.units_per_crs
        if self.srid in GEOGRAPHIC_SRIDS:
            return 0.5 * units / sx
        if self.srid == 3857:
            return 0.5 * math.degrees(units / sx / _EARTH_RADIUS) * math.cos(self._poleward(_MAX_MERCATOR_LAT))
        return 0.0


def tile_value(value: Any) -> Any:
    """A property value as MVT can hold it: dates 'YYYY-MM-DD', instants RFC 3339 'Z', None stays None."""
    if isinstance(value, datetime):
        return orjson.dumps(value, option=orjson.OPT_UTC_Z)[1:-1].decode()
    if isinstance(value, date):
        return value.isoformat()
    return value


def tile_properties(plan: LayerTilePlan, values: Sequence[Any]) -> dict[str, Any]:
    """`plan.fields` with their values (nulls left out: MVT has no null) and the layer's domain."""
    props = {name: tile_value(value) for name, value in zip(plan.fields, values, strict=True)
             if value is not None and name not in ADDED_PROPERTIES}
    apply_masks(props, plan.masks)
    props["domain"] = plan.layer.domain
    return props


def read_limit(plan: LayerTilePlan) -> int:
    """How many features to read: the limit, or (grid rules) enough candidates to fill the grid."""
    if grid_rule(plan):
        return min(READ_CAP, max(plan.feature_limit, GRID_READ_FACTOR * plan.feature_limit))
    return min(READ_CAP, plan.feature_limit)


def grid_rule(plan: LayerTilePlan) -> bool:
    return effective_rule(plan) in (ThinningRule.DROP_DENSEST, ThinningRule.COALESCE) and plan.grid_units > 0


#: (fids, lon/lat geometries, tile properties or None when not read yet), highest priority first.
Read = tuple[list[int], np.ndarray, list[dict[str, Any]] | None]


class Source(Protocol):
    """Where a tile's features come from."""

    def read(self, plan: LayerTilePlan, frame: TileFrame, limit: int, *, properties: bool) -> Read: ...

    def properties(self, plan: LayerTilePlan, fids: Sequence[int]) -> dict[int, dict[str, Any]]: ...

    def count(self, plan: LayerTilePlan, frame: TileFrame) -> int:
        """Features whose envelope meets the tile and its buffer."""
        ...

    def size_filtered(self, plan: LayerTilePlan) -> bool:
        """Whether `read` leaves out features too small for drop-smallest."""
        ...


# -- GeoPackage ------------------------------------------------------------------------------------
def _rtree(layer: LayerDefinition) -> sa.TableClause:
    return sa.table(rtree_name(layer.id), *(sa.column(c) for c in ("id", "minx", "maxx", "miny", "maxy")))


def _in_area(rt: sa.TableClause) -> list[Any]:
    return [rt.c.minx <= sa.bindparam("east"), rt.c.maxx >= sa.bindparam("west"),
            rt.c.miny <= sa.bindparam("north"), rt.c.maxy >= sa.bindparam("south")]


def _mercator_y(lat: Any) -> Any:
    """Web Mercator y / R of a latitude column in degrees (SQLite's math functions)."""
    return sa.func.ln(sa.func.tan(sa.func.radians(45.0 + lat / 2.0)))


@lru_cache(maxsize=1024)
def _read_statement(layer: LayerDefinition, fields: tuple[str, ...], priority: tuple[tuple[str, bool], ...],
                    size_filter: str | None) -> sa.Select[Any]:
    """One layer's read, with bind parameters for the area, size and limit (built once).

    The fids are chosen first — from the R-tree alone when fid is the only order, which lets
    SQLite keep just the first `limit` ids of a large area — then their rows are fetched.
    `size_filter`: None; "box" (envelope width or height in degrees at least `min_x`/`min_y`); or
    "mercator" (width at least `min_x` degrees, or Mercator height / R at least `min_y`, tested
    after a cheap test of the height in degrees against `min_lat`).
    """
    lt = layer_table(layer)
    rt = _rtree(layer)
    conditions = _in_area(rt)
    if size_filter is not None:
        wide = rt.c.maxx - rt.c.minx >= sa.bindparam("min_x")
        if size_filter == "mercator":
            conditions.append(sa.or_(wide, rt.c.maxy - rt.c.miny >= sa.bindparam("min_lat")))
            conditions.append(sa.or_(wide, _mercator_y(rt.c.maxy) - _mercator_y(rt.c.miny) >= sa.bindparam("min_y")))
        else:
            conditions.append(sa.or_(wide, rt.c.maxy - rt.c.miny >= sa.bindparam("min_y")))

    def order(table: sa.Table) -> list[Any]:
        keys = [(table.c[name].asc() if ascending else table.c[name].desc()).nulls_last()
                for name, ascending in priority]
        return [*keys, table.c.fid.asc()]

    if priority or layer.row_filter is not None:
        inner = lt.table.alias("p")
        chosen = (sa.select(inner.c.fid.label("id")).select_from(rt.join(inner, inner.c.fid == rt.c.id))
                  .where(*conditions, *_rows(layer, inner)).order_by(*order(inner)).limit(sa.bindparam("limit"))
                  .subquery("k"))
    else:
        chosen = (sa.select(rt.c.id.label("id")).where(*conditions).order_by(rt.c.id)
                  .limit(sa.bindparam("limit")).subquery("k"))
    return (sa.select(lt.fid, lt.geom, *(lt.table.c[name] for name in fields))
            .select_from(chosen.join(lt.table, lt.fid == chosen.c.id)).order_by(*order(lt.table)))


@lru_cache(maxsize=1024)
def _properties_statement(layer: LayerDefinition, fields: tuple[str, ...]) -> sa.Select[Any]:
    lt = layer_table(layer)
    return sa.select(lt.fid, *(lt.table.c[name] for name in fields)).where(
        lt.fid.in_(sa.bindparam("ids", expanding=True)))


@lru_cache(maxsize=1024)
def _count_statement(layer: LayerDefinition) -> sa.Select[Any]:
    rt = _rtree(layer)
    if layer.row_filter is None:
        return sa.select(sa.func.count()).select_from(rt).where(*_in_area(rt))
    inner = layer_table(layer).table.alias("p")
    return (sa.select(sa.func.count()).select_from(rt.join(inner, inner.c.fid == rt.c.id))
            .where(*_in_area(rt), *_rows(layer, inner)))


def _rows(layer: LayerDefinition, table: sa.Alias) -> list[Any]:
    """The row filter of a view (`layers.access.view`) over `table`; none for a declaration."""
    if layer.row_filter is None:
        return []
    condition = layer.row_condition
    if condition is not None and condition.get("op") == "s_intersects":
        # spatial tests find their R-tree by the table's own name: test the rows of the table, by fid
        lt = layer_table(layer)
        spatial = cql_to_sql(condition, layer, lt.columns(), lt.geom, _DIALECT)
        return [table.c.fid.in_(sa.select(lt.fid).where(spatial))]
    columns = {"fid": table.c.fid, **{name: table.c[name] for name in layer.field_names}}
    return [cql_to_sql(condition, layer, columns, table.c.geom, _DIALECT)]


@cache
def _sqlite_has_math() -> bool:
    """Whether this process's SQLite has its math functions (3.35+, built with them; usual today)."""
    try:
        sqlite3.connect(":memory:").execute("SELECT ln(tan(radians(45.0)))").close()
    except sqlite3.OperationalError:
        return False
    return True


def _size_filter(plan: LayerTilePlan, frame: TileFrame) -> tuple[str | None, dict[str, float]]:
    """How the SQL leaves out lines and areas too small for drop-smallest: the same test as the
    thinning (larger envelope side in tile units), exact where SQLite can compute it, else looser."""
    if effective_rule(plan) is not ThinningRule.DROP_SMALLEST or dimension(plan) == 0 or plan.min_size_units <= 0:
        return None, {}
    sx, sy = frame.units_per_crs
    units = plan.min_size_units
    if frame.srid in GEOGRAPHIC_SRIDS:
        return "box", {"min_x": units / sx, "min_y": units / sy}
    if frame.srid == 3857 and _sqlite_has_math():
        return "mercator", {"min_x": math.degrees(units / sx / _EARTH_RADIUS), "min_y": units / sy / _EARTH_RADIUS,
                            "min_lat": frame.min_size_degrees(units)}
    degrees = frame.min_size_degrees(units)
    return ("box", {"min_x": degrees, "min_y": degrees}) if degrees > 0 else (None, {})


def _area_params(frame: TileFrame) -> dict[str, float]:
    west, south, east, north = frame.read_bbox()
    return {"west": west, "south": south, "east": east, "north": north}


class GeoPackageSource:
    """Reads a GeoPackage layer table and its R-tree through one open read transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def _execute(self, layer: LayerDefinition, statement: sa.Executable, params: dict[str, Any]) -> list[Any]:
        try:
            return list(self.conn.execute(statement, params).all())
        except sa.exc.OperationalError as exc:
            if "no such table" in str(exc.orig):
                raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}") from exc
            raise

    def read(self, plan: LayerTilePlan, frame: TileFrame, limit: int, *, properties: bool) -> Read:
        size_filter, size_params = _size_filter(plan, frame)
        statement = _read_statement(plan.layer, plan.fields if properties else (), plan.priority, size_filter)
        rows = self._execute(plan.layer, statement, {**_area_params(frame), "limit": limit, **size_params})
        geometries = gpb.decode_many([row[1] for row in rows])
        props = [tile_properties(plan, row[2:]) for row in rows] if properties else None
        return [row[0] for row in rows], geometries, props

    def properties(self, plan: LayerTilePlan, fids: Sequence[int]) -> dict[int, dict[str, Any]]:
        statement = _properties_statement(plan.layer, plan.fields)
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(fids), _ID_CHUNK):
            for row in self._execute(plan.layer, statement, {"ids": list(fids[start:start + _ID_CHUNK])}):
                found[row[0]] = tile_properties(plan, row[1:])
        return found

    def count(self, plan: LayerTilePlan, frame: TileFrame) -> int:
        return int(self._execute(plan.layer, _count_statement(plan.layer), _area_params(frame))[0][0])

    def size_filtered(self, plan: LayerTilePlan) -> bool:
        return effective_rule(plan) is ThinningRule.DROP_SMALLEST and dimension(plan) > 0 and plan.min_size_units > 0


# -- any store -------------------------------------------------------------------------------------
class QuerySource:
    """Reads any store through `FeatureStore.query`, geometries in storage lon/lat.

    The store sorts descending keys nulls first; pages are put back in tile priority order here
    (nulls last), so only which features a truncated read picks can differ.
    """

    def __init__(self, store: FeatureStore) -> None:
        self.store = store

    def read(self, plan: LayerTilePlan, frame: TileFrame, limit: int, *, properties: bool) -> Read:
        wanted = tuple(dict.fromkeys([*plan.fields, *(name for name, _ in plan.priority)]))
        query = FeatureQuery(bbox=frame.read_bbox(), crs=OutputCrs(STORAGE_SRID), limit=limit, count=False,
                             sortby=tuple(SortKey(name, ascending) for name, ascending in plan.priority),
                             properties=wanted)
        page = [f for f in orjson.loads(self.store.query(plan.layer, query).features_json) if f.get("geometry")]
        order = priority_order([int(f["id"]) for f in page], [f["properties"] for f in page], plan.priority)
        features = [page[i] for i in order]
        geometries = geometry_array(list(shapely.from_geojson([orjson.dumps(f["geometry"]) for f in features])))
        props = [tile_properties(plan, [f["properties"].get(name) for name in plan.fields]) for f in features]
        return [int(f["id"]) for f in features], geometries, props

    def properties(self, plan: LayerTilePlan, fids: Sequence[int]) -> dict[int, dict[str, Any]]:
        raise NotImplementedError("QuerySource reads properties with the features")  # never asked: see read

    def count(self, plan: LayerTilePlan, frame: TileFrame) -> int:
        page = self.store.query(plan.layer, FeatureQuery(bbox=frame.read_bbox(), limit=0, count=True,
                                                         skip_geometry=True, properties=()))
        return int(page.number_matched or 0)

    def size_filtered(self, plan: LayerTilePlan) -> bool:
        return False


@contextmanager
def open_source(store: FeatureStore) -> Iterator[Source]:
    """The source for a store, open for one tile (GeoPackage: one read transaction)."""
    if isinstance(store, GeoPackageStore):
        with reading(store.engine) as conn:
            yield GeoPackageSource(conn)
    else:
        yield QuerySource(store)


# -- candidates ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Candidates:
    """One layer's features touching the tile and its buffer, in tile units, highest priority first."""

    features: list[TileFeature]
    #: Rows read (features whose envelope meets the area), and whether the read stopped at its limit.
    rows: int
    truncated: bool
    #: Properties are still to be read (`Source.properties`) for the features that survive thinning.
    lazy: bool
    #: fid → the stored lon/lat geometry of lines and areas (simplified from it, as PostGIS does).
    source: dict[int, BaseGeometry] = field(default_factory=dict)


def candidates(source: Source, plan: LayerTilePlan, frame: TileFrame) -> Candidates:
    limit = read_limit(plan)
    lazy = grid_rule(plan) and isinstance(source, GeoPackageSource)
    fids, geometries, props = source.read(plan, frame, limit + 1, properties=not lazy)
    truncated = len(fids) > limit
    fids, stored = fids[:limit], geometries[:limit]
    if not fids:
        return Candidates([], 0, truncated, lazy)
    in_tile = frame.to_tile(stored)
    touching = shapely.intersects(tile_area(), in_tile).tolist()  # the R-tree test is on envelopes only
    values: Sequence[dict[str, Any]] = props if props is not None else [{} for _ in fids]
    features = [TileFeature(fid, geometry, p) for fid, geometry, p, hit
                in zip(fids, in_tile.tolist(), values, touching, strict=False) if hit]
    kept = {} if dimension(plan) == 0 else dict(zip(fids, stored.tolist(), strict=True))
    return Candidates(features, len(fids), truncated, lazy, kept)
