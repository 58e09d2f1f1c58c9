"""What the dashboard's counting queries need to know about each store: the Core table of a workflow
layer, the history table, a read connection and the China-time day of an instant.

Both stores keep a layer in a table named by its id with one column per field, and the history in
`onemap_history`; they differ in how instants are kept (PostGIS `timestamptz`; GeoPackage ISO 8601
UTC text, whose text order is time order) and so in how a day is taken from one. The column types
used here bind Python datetimes the way each store keeps them.

May import: `layers` (the stores' table builders and read transactions); never `gis_server`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from layers.errors import StoreUnavailable
from layers.model import LayerDefinition
from layers.stores.base import FeatureStore

HISTORY = "onemap_history"


def _kind(store: FeatureStore) -> str:
    if store.kind not in ("postgis", "geopackage"):
        raise StoreUnavailable(f"此数据存储不支持统计 / store kind {store.kind!r} has no dashboard queries")
    return store.kind


def layer_table(store: FeatureStore, layer: LayerDefinition) -> sa.Table:
    """The layer's table as the store declares it (columns typed as the store keeps them)."""
    if _kind(store) == "postgis":
        from layers.stores.postgis.tables import layer_table as postgis_table

        return postgis_table(layer)
    from layers.stores.geopackage.tables import layer_table as geopackage_table

    return geopackage_table(layer).table


def history_table(store: FeatureStore) -> sa.TableClause:
    """The columns of `onemap_history` the dashboard reads."""
    if _kind(store) == "postgis":
        instant: sa.types.TypeEngine[object] = sa.DateTime(timezone=True)
    else:
        from layers.stores.geopackage.values import GpkgDateTime

        instant = GpkgDateTime()
    return sa.table(HISTORY, sa.column("layer_id", sa.Text), sa.column("at", instant), sa.column("region", sa.Text),
                    sa.column("from_state", sa.Text), sa.column("to_state", sa.Text))


def china_day(store: FeatureStore, instant: sa.ColumnElement[object]) -> sa.ColumnElement[str]:
    """`YYYY-MM-DD` of the instant in China time (UTC+8, no daylight saving)."""
    if _kind(store) == "postgis":
        shifted = sa.func.timezone("UTC", instant) + sa.literal_column("interval '8 hours'")
        return sa.func.to_char(shifted, "YYYY-MM-DD")
    return sa.func.date(instant, sa.literal_column("'+8 hours'"))


@contextmanager
def reading(store: FeatureStore) -> Iterator[sa.Connection]:
    """A read connection (on a GeoPackage: one snapshot for everything done inside)."""
    if _kind(store) == "postgis":
        from layers.stores.postgis import PostgisStore
        from layers.stores.postgis.support import translated

        assert isinstance(store, PostgisStore)
        with translated(), store.read_engine.connect() as conn:
            yield conn
        return
    from layers.stores.geopackage import GeoPackageStore
    from layers.stores.geopackage.engine import reading as geopackage_reading

    assert isinstance(store, GeoPackageStore)
    with geopackage_reading(store.engine) as conn:
        yield conn
