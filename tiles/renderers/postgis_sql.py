"""The SQL of a PostGIS tile: one statement, one `ST_AsMVT` per layer, thinning done in the database.

`tile_statement(plans, frame, limits)` builds the text once per (layers, tile matrix, zoom,
limits) — the renderer caches it — and `tile_parameters(frame, bounds, layers)` gives one tile's
positional parameters (`$n`): its bounds in the tile CRS (for `ST_AsMVTGeom`), the same bounds
widened by the 64-unit buffer in storage lon/lat (for the `&&` filter the GiST index serves), the
degrees per MVT unit (simplification happens before `ST_Transform`), and each layer's domain.
The statement returns one row, three columns per layer: the layer's MVT bytes, the features
written, and the candidates counted (NULL when not counted).

Per layer, following `tiles.plan.plan_layer`:

- NONE: the candidates in the tile, by priority then fid, `LIMIT feature_limit`.
- DROP_SMALLEST (lines, polygons): features whose bounding box is smaller than `min_size_units`
  on its larger side are dropped (measured on the stored bbox, converted exactly to tile units —
  Web Mercator y through `ln(tan(π/4 + φ/2))`), then the limit by priority.
- DROP_DENSEST: one feature per cell of a global `grid_units` grid (cell of the point, or of the
  bbox centre), the highest priority (then lowest fid) of each cell; then the limit.
- COALESCE (points): one feature per cell at the mean position of its members, carrying the
  properties of its highest-priority member and `point_count`; lines and polygons drop-smallest.

Sorting by priority always happens on the tile's candidates (an `OFFSET 0` fence keeps the planner
from walking the fid index through the whole table). Up to `NARROW_MAX_ZOOM`, where a tile may
hold most of a layer, grid cells are found over narrow rows (a hash aggregate when there is no
priority) and only the survivors' columns are read back by fid.

Candidates: DROP_DENSEST and COALESCE count them on the way (the sum of the cells' counts); NONE
and DROP_SMALLEST count them with a second index scan only when the feature limit was reached
(an InitPlan runs only if its CASE branch is taken), so features under the size threshold of
drop-smallest are not counted in a tile below its limit.

Geometries are simplified in storage degrees with a tolerance never coarser than `simplify_units`
in the tile (the smaller of the x and y scales), transformed (Web Mercator only; CGCS2000 and
WGS 84 lon/lat are the same coordinates here), then clipped and snapped by `ST_AsMVTGeom` with a
64-unit buffer. Properties: `plan.fields` (dates `YYYY-MM-DD`, datetimes RFC 3339 UTC with `Z`)
and `domain`; the MVT feature id is `fid`.

Identifiers are validated layer ids and field names, always quoted; values that vary by tile are
bound parameters; the numbers written into the text (SRIDs, limits, scale factors) come from the
plan and the tile matrix set, never from a request.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.dialects import postgresql

from layers.access.masking import mask_sql_text
from layers.model import FieldType, GeometryType, LayerDefinition, ThinningRule
from layers.query import GEOGRAPHIC_SRIDS, STORAGE_SRID
from layers.stores.postgis.where import row_filter_sql
from tiles.model import EXTENT
from tiles.plan import ADDED_PROPERTIES, LayerTilePlan

#: Clip buffer around the tile, MVT units.
BUFFER = 64
#: Web Mercator sphere radius (metres).
EARTH_RADIUS = 6378137.0
#: Property names a renderer adds; a layer field with one of these names is left out of tiles.
#: Up to this zoom, drop-densest and coalesce find the cells over narrow rows, then read the survivors.
NARROW_MAX_ZOOM = 10
#: Positional parameters, in order ($1 …); the layers' domains follow ($10, $11, …).
PARAMETERS = ("x0", "y0", "x1", "y1", "qx0", "qy0", "qx1", "qy1", "du")

_PREPARER = postgresql.dialect().identifier_preparer
_POINTS = (GeometryType.POINT, GeometryType.MULTIPOINT)
_DATE = "'YYYY-MM-DD'"
_SECONDS = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"
_MICROSECONDS = "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"
_FILTER = f't."geom" && ST_MakeEnvelope($5::float8, $6::float8, $7::float8, $8::float8, {STORAGE_SRID})'
_DU = "$9::float8"


def _filter(layer: LayerDefinition) -> str:
    """The tile's bbox condition over `t`, and the caller's row filter when `layer` is a view."""
    rows = row_filter_sql(layer, "t")
    return _FILTER if rows is None else f"{_FILTER} AND ({rows})"


def q(identifier: str) -> str:
    return str(_PREPARER.quote(identifier))


def num(value: float) -> str:
    """A float as SQL text (repr round-trips exactly)."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return repr(float(value))


@dataclass(frozen=True, slots=True)
class Frame:
    """A tile matrix at one zoom: its CRS and tile size, what the SQL needs beyond one tile's bounds."""

    srid: int
    #: Tile width and height in CRS units (uniform over the matrix: quad tile matrix sets).
    width: float
    height: float

    def __post_init__(self) -> None:
        if self.srid != 3857 and self.srid not in GEOGRAPHIC_SRIDS:
            raise ValueError(f"tile CRS EPSG:{self.srid} is not supported (3857 or geographic lon/lat)")

    @property
    def mercator(self) -> bool:
        return self.srid == 3857

    @property
    def unit(self) -> float:
        """CRS units per MVT unit."""
        return self.width / EXTENT


@dataclass(frozen=True, slots=True)
class TileStatement:
    sql: str
    layer_ids: tuple[str, ...]


def _merc_y(lat_sql: str) -> str:
    """Web Mercator y / R of a latitude in degrees."""
    return f"ln(tan(radians(45.0 + ({lat_sql}) / 2.0)))"


def _lat(y: float) -> float:
    return math.degrees(math.atan(math.sinh(y / EARTH_RADIUS)))


def tile_parameters(frame: Frame, bounds: Sequence[float], layers: Sequence[LayerDefinition]) -> tuple[object, ...]:
    """The positional parameters of one tile (see `PARAMETERS`), then each layer's domain."""
    x0, y0, x1, y1 = (float(v) for v in bounds[:4])
    margin_x = (x1 - x0) * BUFFER / EXTENT
    margin_y = (y1 - y0) * BUFFER / EXTENT
    bx0, by0, bx1, by1 = x0 - margin_x, y0 - margin_y, x1 + margin_x, y1 + margin_y
    if frame.mercator:
        to_deg = 180.0 / (math.pi * EARTH_RADIUS)
        lat0, lat1 = _lat(by0), _lat(by1)
        box = (bx0 * to_deg, lat0, bx1 * to_deg, lat1)
        # lon degrees per MVT unit times cos(the latitude farthest from the equator): the y scale there
        du = frame.unit * to_deg * math.cos(math.radians(min(89.0, max(abs(lat0), abs(lat1)))))
    else:
        box = (bx0, by0, bx1, by1)
        du = frame.unit
    return (x0, y0, x1, y1, *box, du, *(layer.domain for layer in layers))


# -- expressions --------------------------------------------------------------------------------------
def tile_fields(plan: LayerTilePlan) -> tuple[str, ...]:
    return tuple(name for name in plan.fields if name not in ADDED_PROPERTIES)


def _property(layer: LayerDefinition, name: str, alias: str) -> str:
    spec = layer.field(name)
    column = f"{alias}.{q(name)}"
    if spec is not None and spec.masked and spec.sensitive is not None:
        return f"{mask_sql_text(column, spec.sensitive)} AS {q(name)}"
    if spec is not None and spec.type is FieldType.DATE:
        return f"to_char({column}, {_DATE}) AS {q(name)}"
    if spec is not None and spec.type is FieldType.DATETIME:
        utc = f"({column} AT TIME ZONE 'UTC')"
        return (f"CASE WHEN date_trunc('second', {column}) = {column} THEN to_char({utc}, {_SECONDS}) "
                f"ELSE to_char({utc}, {_MICROSECONDS}) END AS {q(name)}")
    return f"{column} AS {q(name)}"


def _order(plan: LayerTilePlan, alias: str) -> str:
    keys = [f"{alias}.{q(name)} {'ASC' if ascending else 'DESC'} NULLS LAST" for name, ascending in plan.priority]
    return ", ".join([*keys, f'{alias}."fid"'])


def _mvt_geometry(plan: LayerTilePlan, frame: Frame, column: str) -> str:
    expr = column
    if plan.layer.geometry_type not in _POINTS and plan.simplify_units > 0:
        expr = f"ST_Simplify({expr}, {_DU} * {num(plan.simplify_units)}, true)"
    if frame.mercator:
        expr = f"ST_Transform({expr}, {frame.srid})"
    envelope = f"ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, {frame.srid})::box2d"
    return f"ST_AsMVTGeom({expr}, {envelope}, {EXTENT}, {BUFFER}, true)"


def _xy(layer: LayerDefinition) -> tuple[str, str]:
    """Longitude and latitude that place a feature in a grid cell: the point, or its bbox centre."""
    if layer.geometry_type is GeometryType.POINT:
        return 'ST_X(t."geom")', 'ST_Y(t."geom")'
    box = 't."geom"::box2d'
    return f"(ST_XMin({box}) + ST_XMax({box})) / 2.0", f"(ST_YMin({box}) + ST_YMax({box})) / 2.0"


def _cells(layer: LayerDefinition, plan: LayerTilePlan, frame: Frame) -> tuple[str, str]:
    """Cell indexes in a global grid of `grid_units` MVT units (the same cells in neighbouring tiles)."""
    lon, lat = _xy(layer)
    cell = plan.grid_units * frame.unit
    if frame.mercator:
        kx = (math.pi * EARTH_RADIUS / 180.0) / cell
        ky = EARTH_RADIUS / cell
        return f"floor(({lon}) * {num(kx)})", f"floor({_merc_y(lat)} * {num(ky)})"
    return f"floor(({lon}) * {num(1.0 / cell)})", f"floor(({lat}) * {num(1.0 / cell)})"


def _large_enough(plan: LayerTilePlan, frame: Frame) -> str:
    """Bounding box at least `min_size_units` on one side, in tile units (stored bbox, exact scale)."""
    box = 't."geom"::box2d'
    span = plan.min_size_units * frame.unit
    if frame.mercator:
        min_lon = span * 180.0 / (math.pi * EARTH_RADIUS)
        return (f"(ST_XMax({box}) - ST_XMin({box}) >= {num(min_lon)} OR "
                f"{_merc_y(f'ST_YMax({box})')} - {_merc_y(f'ST_YMin({box})')} >= {num(span / EARTH_RADIUS)})")
    return f"(ST_XMax({box}) - ST_XMin({box}) >= {num(span)} OR ST_YMax({box}) - ST_YMin({box}) >= {num(span)})"


def effective_thinning(plan: LayerTilePlan) -> ThinningRule:
    """The rule the SQL applies. Points have no size: drop-smallest keeps them all (then the limit);
    coalesce merges points only: lines and polygons drop-smallest instead."""
    points = plan.layer.geometry_type in _POINTS
    rule = plan.thinning
    if rule is ThinningRule.COALESCE and not points:
        rule = ThinningRule.DROP_SMALLEST
    if rule is ThinningRule.DROP_SMALLEST and (points or plan.min_size_units <= 0):
        return ThinningRule.NONE
    if rule in (ThinningRule.DROP_DENSEST, ThinningRule.COALESCE) and plan.grid_units <= 0:
        return ThinningRule.NONE
    return rule


# -- one layer ----------------------------------------------------------------------------------------
def _columns(plan: LayerTilePlan) -> list[str]:
    wanted = dict.fromkeys([*tile_fields(plan), *(name for name, _ in plan.priority)])
    return ['t."fid"', 't."geom"', *(f"t.{q(name)}" for name in wanted)]


def _gridded_narrow(plan: LayerTilePlan, frame: Frame, limit: int, rule: ThinningRule) -> list[str]:
    """Low zooms, where a tile may hold most of a layer: the cells are found over narrow rows (fid,
    cell, priority keys) — hashed when there is no priority, else sorted — and the survivors'
    columns read back by fid."""
    cx, cy = _cells(plan.layer, plan, frame)
    table = q(plan.layer.id)
    averages: list[tuple[str, str]] = []
    if rule is ThinningRule.COALESCE:
        lon, lat = _xy(plan.layer)
        averages = [(f"avg({lon})", "ax"), (f"avg({lat})", "ay")]
    if not plan.priority:  # the lowest fid of each cell: a hash aggregate, no sort
        picked = ['min(t."fid") AS fid', "count(*) AS k", *(f"{a} AS {n}" for a, n in averages)]
        cells = f"SELECT {', '.join(picked)} FROM {table} t WHERE {_filter(plan.layer)} GROUP BY {cx}, {cy}"
    else:
        order = _order(plan, "t")
        picked = ['t."fid"', "count(*) OVER w AS k", *(f"{a} OVER w AS {n}" for a, n in averages)]
        cells = (f"SELECT DISTINCT ON ({cx}, {cy}) {', '.join(picked)} FROM {table} t WHERE {_filter(plan.layer)} "
                 f"WINDOW w AS (PARTITION BY {cx}, {cy} ORDER BY {order} "
                 "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) "
                 f"ORDER BY {cx}, {cy}, {order}")
    carried = ", ".join(["r.k", *(f"r.{n}" for _, n in averages)])
    # OFFSET 0 keeps the lateral subquery a per-cell primary-key look-up, whatever the estimates say
    survivors = (f"SELECT t.*, {carried} FROM r CROSS JOIN LATERAL "
                 f'(SELECT {", ".join(_columns(plan))} FROM {table} t WHERE t."fid" = r.fid OFFSET 0) t '
                 f"ORDER BY {_order(plan, 't')} LIMIT {int(limit)}")
    return [f"r AS ({cells})", f"c AS ({survivors})"]


def _gridded_wide(plan: LayerTilePlan, frame: Frame, limit: int, rule: ThinningRule) -> list[str]:
    """High zooms, few candidates per tile: one sort of the candidates with all their columns."""
    cx, cy = _cells(plan.layer, plan, frame)
    order = _order(plan, "t")
    window = ["count(*) OVER w AS k"]
    if rule is ThinningRule.COALESCE:
        lon, lat = _xy(plan.layer)
        window += [f"avg({lon}) OVER w AS ax", f"avg({lat}) OVER w AS ay"]
    cells = (f"SELECT DISTINCT ON ({cx}, {cy}) {', '.join(_columns(plan) + window)} "
             f"FROM {q(plan.layer.id)} t WHERE {_filter(plan.layer)} "
             f"WINDOW w AS (PARTITION BY {cx}, {cy} ORDER BY {order} "
             "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) "
             f"ORDER BY {cx}, {cy}, {order}")
    return [f"r AS ({cells})", f"c AS (SELECT * FROM r t ORDER BY {order} LIMIT {int(limit)})"]


def _gridded(plan: LayerTilePlan, frame: Frame, limit: int, rule: ThinningRule) -> list[str]:
    """CTEs `r` (one row per grid cell: its best feature by priority then fid, and `k`, the cell's
    count) and `c` (the survivors with their columns, by priority, limited). Both forms give the
    same rows; the window is ordered like DISTINCT ON (its frame spans the whole cell), so one sort
    serves both."""
    if plan.zoom <= NARROW_MAX_ZOOM:
        return _gridded_narrow(plan, frame, limit, rule)
    return _gridded_wide(plan, frame, limit, rule)


def _limited(plan: LayerTilePlan, frame: Frame, limit: int, rule: ThinningRule) -> list[str]:
    where = _filter(plan.layer)
    if rule is ThinningRule.DROP_SMALLEST:
        where += " AND " + _large_enough(plan, frame)
    # OFFSET 0: the ORDER BY … LIMIT sorts the tile's candidates instead of walking the fid index
    # (or a priority column's) through the whole table in search of rows in the tile
    inner = f"SELECT {', '.join(_columns(plan))} FROM {q(plan.layer.id)} t WHERE {where} OFFSET 0"
    return [f"c AS (SELECT * FROM ({inner}) t ORDER BY {_order(plan, 't')} LIMIT {int(limit)})"]


def layer_sql(plan: LayerTilePlan, frame: Frame, index: int, limit: int) -> str:
    """A one-row subquery `l<index>`: (mvt<index> bytea, n<index> written, c<index> candidates or NULL)."""
    layer = plan.layer
    i = int(index)
    if limit <= 0:
        return f"(SELECT ''::bytea AS mvt{i}, 0::bigint AS n{i}, NULL::bigint AS c{i}) AS l{i}"
    rule = effective_thinning(plan)
    props = [_property(layer, name, "c") for name in tile_fields(plan)]
    geometry = 'c."geom"'
    if rule is ThinningRule.COALESCE:
        geometry = f"ST_SetSRID(ST_MakePoint(c.ax, c.ay), {STORAGE_SRID})"
        props.append("c.k AS point_count")
    props.append(f'CAST(${len(PARAMETERS) + 1 + i} AS text) AS "domain"')
    feature = ", ".join(['c."fid"', f'{_mvt_geometry(plan, frame, geometry)} AS "geom"', *props])
    if rule in (ThinningRule.DROP_DENSEST, ThinningRule.COALESCE):
        ctes = _gridded(plan, frame, limit, rule)
        candidates = "(SELECT sum(k) FROM r)::bigint"
    else:
        ctes = _limited(plan, frame, limit, rule)
        candidates = (f"CASE WHEN count(*) >= {int(limit)} "
                      f"THEN (SELECT count(*) FROM {q(layer.id)} t WHERE {_filter(layer)}) END")
    # ST_AsMVT skips rows whose geometry ST_AsMVTGeom clipped away (NULL); count(geom) counts the
    # rest. OFFSET 0 keeps `m` a subquery, so ST_AsMVTGeom runs once per row, not once per use.
    return (f"(WITH {', '.join(ctes)} "
            f"SELECT ST_AsMVT(m, '{layer.id}', {EXTENT}, 'geom', 'fid') AS mvt{i}, "
            f'count(m."geom") AS n{i}, {candidates} AS c{i} '
            f"FROM (SELECT {feature} FROM c OFFSET 0) m) AS l{i}")


def tile_statement(plans: Sequence[LayerTilePlan], frame: Frame, limits: Sequence[int]) -> TileStatement:
    """The whole tile: each layer's one-row subquery, cross-joined into one row."""
    if not plans:
        raise ValueError("a tile statement needs at least one layer")
    parts = [layer_sql(plan, frame, i, limit) for i, (plan, limit) in enumerate(zip(plans, limits, strict=True))]
    columns = ", ".join(f"mvt{i}, n{i}, c{i}" for i in range(len(plans)))
    return TileStatement(sql=f"SELECT {columns} FROM {' CROSS JOIN '.join(parts)}",
                         layer_ids=tuple(plan.layer.id for plan in plans))


__all__ = ["BUFFER", "PARAMETERS", "Frame", "TileStatement", "effective_thinning", "layer_sql",
           "tile_parameters", "tile_statement"]
