"""A `FeatureQuery` → WHERE conditions and ORDER BY keys over a layer table.

bbox → `geom && envelope AND ST_Intersects(geom, envelope)`; `equals` → column = value;
the datetime interval → a closed range on the layer's temporal field (a date matches when its
day, in China Standard Time, overlaps the interval); CQL2 → `layers.filters.to_sql`.
Sorting always ends with `fid` so pages are stable.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from layers.errors import InvalidQuery
from layers.model import FieldType, LayerDefinition
from layers.query import STORAGE_SRID, FeatureQuery, TimeInterval
from layers.stores.postgis.dialect import PostgisDialect, envelope
from layers.validation import china_day

#: The day a date-valued field means is a day in China Standard Time.

DIALECT = PostgisDialect()


def conditions(layer: LayerDefinition, table: sa.Table, query: FeatureQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    geom = table.c.geom
    if query.bbox is not None:
        bbox_values(query.bbox)  # checks it
        env = envelope(query.bbox)
        where.append(DIALECT.bbox_intersects(geom, query.bbox))
        where.append(sa.func.ST_Intersects(geom, env, type_=sa.Boolean))
    for name, value in query.equals:
        if layer.field(name) is None:
            raise InvalidQuery(f"未知属性 / unknown property {name!r}", parameter=name)
        column = table.c[name]
        where.append(column.is_(None) if value is None else column == value)
    if query.interval is not None:
        where.extend(_interval(layer, table, query.interval))
    if query.cql is not None:
        from layers.filters.to_sql import cql_to_sql

        where.append(cql_to_sql(query.cql, layer, _columns(layer, table), geom, DIALECT))
    where.extend(row_conditions(layer, table))
    return where


def row_conditions(layer: LayerDefinition, table: sa.Table) -> list[ColumnElement[bool]]:
    """The caller's row filter of a view (`layers.access.view`); none for a declaration."""
    if layer.row_filter is None:
        return []
    from layers.filters.to_sql import cql_to_sql

    return [cql_to_sql(layer.row_condition, layer, _columns(layer, table), table.c.geom, DIALECT)]


def _columns(layer: LayerDefinition, table: sa.Table) -> dict[str, ColumnElement[Any]]:
    """What CQL2 property names mean over `table`: the feature id and the layer's fields."""
    return {"fid": table.c.fid, **{name: table.c[name] for name in layer.field_names}}


def row_filter_sql(layer: LayerDefinition, alias: str) -> str | None:
    """The row filter of a view as SQL text over `alias` (values inlined), for hand-written statements."""
    if layer.row_filter is None:
        return None
    from sqlalchemy.dialects import postgresql

    from layers.stores.postgis.tables import layer_table

    table = layer_table(layer).alias(alias)
    (condition,) = row_conditions(layer, table)  # type: ignore[arg-type]
    return str(condition.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


#: Parameter names of a bbox bound at execution (see `bound_bbox`).
BBOX_PARAMS = ("bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy")


def bound_bbox(table: sa.Table) -> list[ColumnElement[bool]]:
    """The bbox conditions with named parameters (values from `bbox_values`), for reusable statements."""
    srid = sa.literal_column(str(STORAGE_SRID))
    env = sa.func.ST_MakeEnvelope(*(sa.bindparam(name, type_=sa.Double) for name in BBOX_PARAMS), srid)
    geom = table.c.geom
    return [geom.op("&&", return_type=sa.Boolean)(env), sa.func.ST_Intersects(geom, env, type_=sa.Boolean)]


def bbox_values(bbox: tuple[float, float, float, float]) -> dict[str, float]:
    """The parameters of `bound_bbox`; a bbox whose minimum exceeds its maximum → InvalidQuery."""
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    if not (minx <= maxx and miny <= maxy):
        raise InvalidQuery("bbox 的最小值大于最大值 / bbox minimum exceeds maximum", parameter="bbox")
    return dict(zip(BBOX_PARAMS, (minx, miny, maxx, maxy), strict=True))


def _interval(layer: LayerDefinition, table: sa.Table, interval: TimeInterval) -> list[ColumnElement[bool]]:
    if layer.temporal_field is None:
        raise InvalidQuery(f"图层 {layer.id} 没有时间字段 / layer has no temporal field", parameter="datetime")
    spec = layer.field(layer.temporal_field)
    column = table.c[layer.temporal_field]
    start: Any = interval.start
    end: Any = interval.end
    if spec is not None and spec.type is FieldType.DATE:
        start = None if start is None else china_day(start)
        end = None if end is None else china_day(end)
    where: list[ColumnElement[bool]] = []
    if start is not None:
        where.append(column >= start)
    if end is not None:
        where.append(column <= end)
    return where


def ordering(layer: LayerDefinition, table: sa.Table, query: FeatureQuery) -> list[tuple[ColumnElement[Any], bool]]:
    """(column, ascending) pairs; PostgreSQL's default: NULL sorts after every value."""
    order: list[tuple[ColumnElement[Any], bool]] = []
    for key in query.sortby:
        name = "fid" if key.field in ("id", "fid") else key.field
        if name != "fid" and layer.field(name) is None:
            raise InvalidQuery(f"不能按 {key.field!r} 排序 / cannot sort by {key.field!r}", parameter="sortby")
        order.append((table.c[name], key.ascending))
        if name == "fid":
            return order
    order.append((table.c.fid, True))
    return order


def check_page(layer: LayerDefinition, query: FeatureQuery) -> None:
    if query.limit < 0:
        raise InvalidQuery("limit 不能为负 / limit must not be negative", parameter="limit")
    if query.offset < 0:
        raise InvalidQuery("offset 不能为负 / offset must not be negative", parameter="offset")
    if query.properties is not None:
        unknown = [name for name in query.properties if layer.field(name) is None]
        if unknown:
            raise InvalidQuery(f"未知属性 / unknown properties: {', '.join(unknown)}", parameter="properties")
