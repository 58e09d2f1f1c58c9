"""Reading features: query pages, single features, export batches and layer state.

A page costs one round trip (features, their number and the layer's data version in one row);
`numberMatched` needs a COUNT(*) only when the page cannot tell it and no count is cached for
the same filter at the same data version.

A filtered COUNT(*) runs under a time budget (`count_budget_ms`, `ONEMAP_COUNT_BUDGET_MS`; 0:
none); the unfiltered one (the layer's size) always runs to the end. A count that would take
longer — a filter PostgreSQL can only answer by scanning a large table — is cancelled by the
server (`statement_timeout`) and the page goes out without `numberMatched`, which OGC API
Features allows for counts that are "difficult to compute"; clients page on with `rel=next`.
That outcome is cached like a count, so paging through the same filter does not spend the
budget again until the layer changes. See docs/decisions.md (D13).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import orjson
import psycopg
import shapely
import sqlalchemy as sa

from layers.access.masking import apply_masks, masks_of
from layers.errors import FeatureNotFound, LayerNotFound
from layers.model import FieldType, LayerDefinition
from layers.query import FeaturePage, FeatureQuery, LayerState, OutputCrs, StoredFeature
from layers.stores.postgis import where as where_sql
from layers.stores.postgis.geojson_sql import (
    count_statement,
    geometry_sql,
    layer_created,
    layer_version,
    page_statement,
)
from layers.stores.postgis.support import BoundedCache, translated
from layers.stores.postgis.tables import layer_table

STORAGE = OutputCrs(4490, lat_first=False)

#: Default time budget of a `numberMatched` count, in milliseconds.
DEFAULT_COUNT_BUDGET_MS = 25
#: Cached in place of a count that ran out of budget.
_TOO_COSTLY = -1


class Reader:
    """Read side of the store; holds the in-process count and layer-state caches."""

    def __init__(self, engine: sa.Engine, *, count_budget_ms: int = DEFAULT_COUNT_BUDGET_MS) -> None:
        self.engine = engine
        self.count_budget_ms = max(0, int(count_budget_ms))
        self.counts: BoundedCache[int] = BoundedCache(2048)
        self.states: BoundedCache[LayerState] = BoundedCache(512)
        self.shapes: BoundedCache[tuple[LayerDefinition, sa.Select[Any], list[sa.ColumnElement[bool]]]] = (
            BoundedCache(256))

    # -- pages ------------------------------------------------------------------------------
    def query(self, layer: LayerDefinition, query: FeatureQuery) -> FeaturePage:
        where_sql.check_page(layer, query)
        table = layer_table(layer)
        statement, where, values = self._page_statement(layer, table, query)
        with translated(layer.id), self.engine.connect() as conn:
            row = conn.execute(statement, values).one()
            if row.dv is None:
                raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}")
            returned = int(row.n)
            matched: int | None = None
            if query.count:
                matched = self._matched(conn, layer, table, where, values, query, row, returned)
        body = row.features.encode()
        return FeaturePage(number_matched=matched, number_returned=returned, features_json=b"[" + body + b"]")

    def _page_statement(self, layer: LayerDefinition, table: sa.Table, query: FeatureQuery
                        ) -> tuple[sa.Select[Any], list[sa.ColumnElement[bool]], dict[str, Any]]:
        """The page statement, its WHERE conditions (for a count) and the parameter values of both.

        Map clients mostly ask pages that differ only in bbox, limit and offset: for those the
        statement is built once per shape (layer definition, CRS, properties, sorting) with named
        parameters and reused, which spares building and compiling it on every request (SQLAlchemy
        keeps the compiled form of a statement object it has seen)."""
        # A bbox page reads and sorts every row in the box: count them on the way.
        with_total = query.count and query.bbox is not None
        if query.interval is not None or query.equals or query.cql is not None:
            where = where_sql.conditions(layer, table, query)
            order = where_sql.ordering(layer, table, query)
            return page_statement(layer, table, where, order, crs=query.crs, properties=query.properties,
                                  skip_geometry=query.skip_geometry, limit=query.limit, offset=query.offset,
                                  with_total=with_total), where, {}
        values: dict[str, Any] = {"page_limit": query.limit, "page_offset": query.offset}
        if query.bbox is not None:
            values.update(where_sql.bbox_values(query.bbox))
        key = (id(layer), query.bbox is not None, query.sortby, query.crs, query.properties,
               query.skip_geometry, with_total)
        cached = self.shapes.get(key)
        if cached is None or cached[0] is not layer:
            bound = where_sql.bound_bbox(table) if query.bbox is not None else []
            bound += where_sql.row_conditions(layer, table)
            order = where_sql.ordering(layer, table, query)
            statement = page_statement(layer, table, bound, order, crs=query.crs, properties=query.properties,
                                       skip_geometry=query.skip_geometry, limit=sa.bindparam("page_limit"),
                                       offset=sa.bindparam("page_offset"), with_total=with_total)
            cached = (layer, statement, bound)  # holding the layer keeps id(layer) unique
            self.shapes.put(key, cached)
        return cached[1], cached[2], values

    def _matched(self, conn: sa.Connection, layer: LayerDefinition, table: sa.Table,
                 where: list[sa.ColumnElement[bool]], values: dict[str, Any], query: FeatureQuery,
                 row: sa.Row[Any], returned: int) -> int | None:
        if returned < query.limit and (returned > 0 or query.offset == 0):
            return query.offset + returned  # the page reached the end: nothing to count
        if row.total is not None:
            return int(row.total)  # counted by the page statement itself
        key = _filter_key(layer, row.created, query)
        cached = self.counts.get((*key, row.dv))
        if cached is not None:
            return None if cached == _TOO_COSTLY else cached
        # Without conditions the count is the layer's size: cached per data version like any count,
        # so it is paid once per write and is always worth its full cost.
        counted = self._count(conn, count_statement(layer, table, where), values, budget=bool(where))
        if counted is None:
            self.counts.put((*key, row.dv), _TOO_COSTLY)
            return None
        matched = int(counted.matched)
        self.counts.put((*key, counted.dv), matched)
        return matched

    def _count(self, conn: sa.Connection, statement: sa.Select[Any], values: dict[str, Any], *,
               budget: bool) -> sa.Row[Any] | None:
        """The count row, or None when PostgreSQL cancelled it at the budget.

        Reads run in autocommit, so the timeout is set for the session around this one statement
        and reset after it (a cancelled statement leaves an autocommit session usable)."""
        if not (budget and self.count_budget_ms):
            return conn.execute(statement, values).one()
        conn.exec_driver_sql(f"SET statement_timeout = {self.count_budget_ms}")
        try:
            return conn.execute(statement, values).one()
        except sa.exc.OperationalError as exc:
            if isinstance(exc.orig, psycopg.errors.QueryCanceled):
                return None
            raise
        finally:
            conn.exec_driver_sql("RESET statement_timeout")

    # -- single features and batches ----------------------------------------------------------
    def get(self, layer: LayerDefinition, fid: int, crs: OutputCrs) -> StoredFeature:
        table = layer_table(layer)
        statement = _feature_select(layer, table, crs).where(table.c.fid == fid,
                                                              *where_sql.row_conditions(layer, table))
        with translated(layer.id), self.engine.connect() as conn:
            row = conn.execute(statement).first()
        if row is None:
            raise FeatureNotFound(f"要素不存在 / no feature {fid} in collection {layer.id!r}")
        return stored_feature(layer, row)

    def iter_records(self, layer: LayerDefinition, batch_size: int = 10_000) -> Iterator[list[StoredFeature]]:
        """Keyset pages in fid order, storage CRS, full precision."""
        table = layer_table(layer)
        after = None
        while True:
            statement = (_feature_select(layer, table, STORAGE).where(*where_sql.row_conditions(layer, table))
                         .order_by(table.c.fid).limit(batch_size))
            if after is not None:
                statement = statement.where(table.c.fid > after)
            with translated(layer.id), self.engine.connect() as conn:
                rows = conn.execute(statement).all()
            if not rows:
                return
            yield [stored_feature(layer, row) for row in rows]
            after = rows[-1].fid
            if len(rows) < batch_size:
                return

    # -- state ------------------------------------------------------------------------------
    def layer_state(self, layer: LayerDefinition) -> LayerState:
        table = layer_table(layer)
        with translated(layer.id), self.engine.connect() as conn:
            head = conn.execute(sa.select(layer_version(layer.id).label("dv"),
                                          layer_created(layer.id).label("created"))).one()
            if head.dv is None:
                raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}")
            key = (layer, head.created, head.dv)
            cached = self.states.get(key)
            if cached is not None:
                return cached
            state = self._compute_state(conn, layer, table)
        self.states.put((layer, head.created, state.data_version), state)
        return state

    def _compute_state(self, conn: sa.Connection, layer: LayerDefinition, table: sa.Table) -> LayerState:
        extent = sa.func.ST_Extent(table.c.geom)
        columns: list[sa.ColumnElement[Any]] = [sa.func.count().label("n"), extent.label("ext")]
        temporal = layer.temporal_field
        if temporal is not None:
            columns += [sa.func.min(table.c[temporal]).label("t0"), sa.func.max(table.c[temporal]).label("t1")]
        stats = sa.select(*columns).select_from(table).subquery("stats")
        ext = stats.c.ext
        statement = sa.select(
            layer_version(layer.id).label("dv"), stats.c.n,
            sa.func.ST_XMin(ext).label("x0"), sa.func.ST_YMin(ext).label("y0"),
            sa.func.ST_XMax(ext).label("x1"), sa.func.ST_YMax(ext).label("y1"),
            *((stats.c.t0, stats.c.t1) if temporal is not None else ()),
        )
        row = conn.execute(statement).one()
        bbox = None if row.x0 is None else (float(row.x0), float(row.y0), float(row.x1), float(row.y1))
        time_extent = None
        if temporal is not None:
            time_extent = (_as_datetime(row.t0), _as_datetime(row.t1))
        return LayerState(layer_id=layer.id, data_version=int(row.dv), feature_count=int(row.n),
                          bbox=bbox, time_extent=time_extent)


def _filter_key(layer: LayerDefinition, created: datetime, query: FeatureQuery) -> tuple[Any, ...]:
    cql = None if query.cql is None else orjson.dumps(query.cql, option=orjson.OPT_SORT_KEYS)
    return (layer.id, created, query.bbox, query.interval, query.equals, cql, layer.row_filter)


def _feature_select(layer: LayerDefinition, table: sa.Table, crs: OutputCrs) -> sa.Select[Any]:
    geometry = sa.literal_column(f"ST_AsBinary({geometry_sql(crs)})", sa.LargeBinary).label("wkb")
    return sa.select(table.c.fid, table.c["_version"], table.c["_updated_at"], geometry,
                     *(table.c[name] for name in layer.field_names))


def stored_feature(layer: LayerDefinition, row: sa.Row[Any]) -> StoredFeature:
    mapping = row._mapping
    properties = {spec.name: _python_value(spec.type, mapping[spec.name]) for spec in layer.fields}
    apply_masks(properties, masks_of(layer))
    return StoredFeature(
        fid=int(mapping["fid"]),
        version=int(mapping["_version"]),
        geometry=geojson_dict(mapping["wkb"]),
        properties=properties,
        updated_at=_utc(mapping["_updated_at"]),
    )


def geojson_dict(wkb: bytes) -> dict[str, Any]:
    """WKB → a GeoJSON geometry dict at full precision (GEOS writes shortest round-trip numbers)."""
    return orjson.loads(shapely.to_geojson(shapely.from_wkb(wkb)))  # type: ignore[no-any-return]


def _python_value(kind: FieldType, value: Any) -> Any:
    if kind is FieldType.DATETIME and value is not None:
        return _utc(value)
    return value


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _as_datetime(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return _utc(value)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


__all__ = ["Reader", "stored_feature"]
