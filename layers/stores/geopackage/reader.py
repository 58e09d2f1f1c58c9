"""Reading a GeoPackage layer: one page for a `FeatureQuery`, one feature, export batches, layer state.

Filters (property equality, bbox, datetime interval on the layer's temporal field, CQL2 through the
shared translator) become one SQLAlchemy WHERE clause; the page and `numberMatched` are read in
one snapshot. May import: sqlalchemy, shapely, layers.*, this package.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import shapely
import sqlalchemy as sa
from sqlalchemy import ColumnElement

from layers.access.masking import apply_masks, masks_of
from layers.errors import FeatureNotFound, InvalidQuery, LayerNotFound
from layers.model import FieldType, LayerDefinition
from layers.query import STORAGE_SRID, FeaturePage, FeatureQuery, LayerState, OutputCrs, StoredFeature
from layers.stores.geopackage import encode
from layers.stores.geopackage.dialect import GeoPackageDialect
from layers.stores.geopackage.engine import reading
from layers.stores.geopackage.tables import LayerTable, layer_table
from layers.stores.geopackage.values import filter_value, from_db
from layers.validation import china_day

STORAGE_OUTPUT = OutputCrs(STORAGE_SRID, lat_first=False)


def _layer_missing(layer: LayerDefinition) -> LayerNotFound:
    return LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}")


def where_clauses(lt: LayerTable, query: FeatureQuery, dialect: GeoPackageDialect) -> list[ColumnElement[bool]]:
    """Every filter of the query as SQL conditions (AND-ed by the caller)."""
    layer = lt.layer
    clauses: list[ColumnElement[bool]] = []
    for name, value in query.equals:
        spec = layer.field(name)
        if spec is None:
            raise InvalidQuery(f"图层 {layer.id} 没有字段 {name} / unknown property {name!r}", parameter=name)
        try:
            typed = filter_value(spec.type, value)
        except (TypeError, ValueError) as exc:
            raise InvalidQuery(f"字段 {name}（{spec.title_zh}）的取值无法识别 / value {value!r} is not a valid "
                               f"{spec.type.value}: {exc}", parameter=name) from exc
        column = lt.table.c[name]
        clauses.append(column.is_(None) if typed is None else column == typed)
    if query.bbox is not None:
        minx, miny, maxx, maxy = query.bbox
        if not (minx <= maxx and miny <= maxy):
            raise InvalidQuery("bbox 的最小值大于最大值 / bbox minimum exceeds maximum", parameter="bbox")
        clauses.append(dialect.spatial("s_intersects", lt.geom, shapely.box(minx, miny, maxx, maxy)))
    if query.interval is not None:
        clauses.extend(_interval(lt, query, dialect))
    if query.cql is not None:
        from layers.filters.to_sql import cql_to_sql

        clauses.append(cql_to_sql(query.cql, layer, lt.columns(), lt.geom, dialect))
    clauses.extend(row_clauses(lt))
    return clauses


_DIALECT = GeoPackageDialect()


def row_clauses(lt: LayerTable) -> list[ColumnElement[bool]]:
    """The caller's row filter when the layer is a view (`layers.access.view`); none for a declaration."""
    if lt.layer.row_filter is None:
        return []
    from layers.filters.to_sql import cql_to_sql

    return [cql_to_sql(lt.layer.row_condition, lt.layer, lt.columns(), lt.geom, _DIALECT)]


def _interval(lt: LayerTable, query: FeatureQuery, dialect: GeoPackageDialect) -> list[ColumnElement[bool]]:
    layer, interval = lt.layer, query.interval
    assert interval is not None
    if layer.temporal_field is None:
        raise InvalidQuery(f"图层 {layer.id} 没有时间字段，不能按时间筛选 / layer has no temporal field",
                           parameter="datetime")
    spec = layer.field(layer.temporal_field)
    column = lt.table.c[layer.temporal_field]
    is_date = spec is not None and spec.type is FieldType.DATE

    def bound(value: datetime) -> Any:
        if not is_date:
            return dialect.time_value(value)
        return dialect.time_value(china_day(value))

    clauses: list[ColumnElement[bool]] = [column.is_not(None)]
    if interval.start is not None:
        clauses.append(column >= bound(interval.start))
    if interval.end is not None:
        clauses.append(column <= bound(interval.end))
    return clauses


def _order_by(lt: LayerTable, query: FeatureQuery) -> list[ColumnElement[Any]]:
    order: list[ColumnElement[Any]] = []
    for key in query.sortby:
        if key.field in ("id", "fid"):
            column: ColumnElement[Any] = lt.fid
        elif lt.layer.field(key.field) is not None:
            column = lt.table.c[key.field]
        else:
            raise InvalidQuery(f"不能按未知字段 {key.field} 排序 / cannot sort by unknown property "
                               f"{key.field!r}", parameter="sortby")
        # NULLs after values ascending and before them descending (as PostgreSQL does).
        order.append(column.asc().nulls_last() if key.ascending else column.desc().nulls_first())
    order.append(lt.fid.asc())
    return order


def _selected_fields(layer: LayerDefinition, query: FeatureQuery) -> list[str]:
    if query.properties is None:
        return list(layer.field_names)
    unknown = [name for name in query.properties if layer.field(name) is None]
    if unknown:
        raise InvalidQuery(f"图层 {layer.id} 没有字段 {', '.join(unknown)} / unknown properties: "
                           f"{', '.join(unknown)}", parameter="properties")
    wanted = set(query.properties)
    return [name for name in layer.field_names if name in wanted]


def _missing_table(exc: sa.exc.OperationalError) -> bool:
    return "no such table" in str(exc.orig)


def query_page(engine: sa.Engine, layer: LayerDefinition, query: FeatureQuery,
               dialect: GeoPackageDialect) -> FeaturePage:
    if query.limit < 0 or query.offset < 0:
        raise InvalidQuery("limit 和 offset 不能为负 / limit and offset must not be negative", parameter="limit")
    lt = layer_table(layer)
    where = where_clauses(lt, query, dialect)
    names = _selected_fields(layer, query)
    columns: list[Any] = [lt.fid] + ([] if query.skip_geometry else [lt.geom]) + [lt.table.c[n] for n in names]
    page = (sa.select(*columns).where(*where).order_by(*_order_by(lt, query))
            .limit(query.limit).offset(query.offset))
    try:
        with reading(engine) as conn:
            matched = None
            if query.count:
                matched = conn.execute(sa.select(sa.func.count()).select_from(lt.table).where(*where)).scalar_one()
            rows = conn.execute(page).all()
    except sa.exc.OperationalError as exc:
        if _missing_table(exc):
            raise _layer_missing(layer) from exc
        raise
    offset = 1 if query.skip_geometry else 2
    geometries = ([None] * len(rows) if query.skip_geometry
                  else encode.geojson_geometries([row[1] for row in rows], query.crs))
    masks = masks_of(layer, set(names))
    features = [encode.feature(row[0], geometry, apply_masks(dict(zip(names, row[offset:], strict=True)), masks))
                for row, geometry in zip(rows, geometries, strict=True)]
    return FeaturePage(number_matched=matched, number_returned=len(rows), features_json=encode.dumps(features))


def _stored(lt: LayerTable, rows: list[sa.Row[Any]], crs: OutputCrs, *, rounded: bool) -> list[StoredFeature]:
    names = lt.layer.field_names
    masks = masks_of(lt.layer, set(names))
    maps = [row._mapping for row in rows]
    geometries = encode.geojson_geometries([m["geom"] for m in maps], crs, rounded=rounded)
    return [
        StoredFeature(fid=m["fid"], version=m["_version"], geometry=encode.geometry_dict(geometry),
                      properties=apply_masks({name: m[name] for name in names}, masks), updated_at=m["_updated_at"])
        for m, geometry in zip(maps, geometries, strict=True)
    ]


def read_feature(conn: sa.Connection, layer: LayerDefinition, fid: int, crs: OutputCrs,
                 *, rounded: bool = True) -> StoredFeature:
    """One feature through an open connection (writers use it to return the new state)."""
    lt = layer_table(layer)
    try:
        row = conn.execute(sa.select(lt.table).where(lt.fid == fid, *row_clauses(lt))).first()
    except sa.exc.OperationalError as exc:
        if _missing_table(exc):
            raise _layer_missing(layer) from exc
        raise
    if row is None:
        raise FeatureNotFound(f"要素不存在 / no feature {fid} in collection {layer.id!r}")
    return _stored(lt, [row], crs, rounded=rounded)[0]


def get_feature(engine: sa.Engine, layer: LayerDefinition, fid: int, crs: OutputCrs) -> StoredFeature:
    with reading(engine) as conn:
        return read_feature(conn, layer, fid, crs)


def iter_batches(engine: sa.Engine, layer: LayerDefinition, batch_size: int) -> Iterator[list[StoredFeature]]:
    """Keyset pages in fid order, each read in its own short transaction (never pins the WAL)."""
    lt = layer_table(layer)
    last = None
    while True:
        statement = sa.select(lt.table).where(*row_clauses(lt)).order_by(lt.fid).limit(max(1, batch_size))
        if last is not None:
            statement = statement.where(lt.fid > last)
        try:
            with reading(engine) as conn:
                rows = conn.execute(statement).all()
        except sa.exc.OperationalError as exc:
            if _missing_table(exc):
                raise _layer_missing(layer) from exc
            raise
        if not rows:
            return
        yield _stored(lt, rows, STORAGE_OUTPUT, rounded=False)
        last = rows[-1]._mapping["fid"]


def _as_instant(kind: FieldType, value: Any) -> datetime | None:
    parsed = from_db(kind, value)
    if parsed is None or isinstance(parsed, datetime):
        return parsed
    assert isinstance(parsed, date)
    return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)


def layer_state(engine: sa.Engine, layer: LayerDefinition) -> LayerState:
    lt = layer_table(layer)
    with reading(engine) as conn:
        version = conn.execute(sa.text("SELECT data_version FROM onemap_layers WHERE id = :i"),
                               {"i": layer.id}).scalar()
        if version is None:
            raise _layer_missing(layer)
        count = conn.execute(sa.select(sa.func.count()).select_from(lt.table)).scalar_one()
        extent = conn.execute(sa.text(
            "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = :t"), {"t": layer.id}).first()
        time_extent = None
        if layer.temporal_field is not None:
            spec = layer.field(layer.temporal_field)
            assert spec is not None
            raw = sa.text(f'SELECT min("{spec.name}"), max("{spec.name}") FROM "{layer.id}"')
            low, high = conn.execute(raw).one()
            time_extent = (_as_instant(spec.type, low), _as_instant(spec.type, high))
    bbox = None
    if count and extent is not None and None not in tuple(extent):
        bbox = (float(extent[0]), float(extent[1]), float(extent[2]), float(extent[3]))
    return LayerState(layer_id=layer.id, data_version=int(version), feature_count=int(count), bbox=bbox,
                      time_extent=time_extent)
