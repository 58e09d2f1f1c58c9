"""Small shared pieces of the PostGIS store: a bounded thread-safe cache and error translation.

Database errors become the platform's errors: an unreachable server → StoreUnavailable, a missing
layer table → LayerNotFound, a value the column rejects → InvalidQuery (reads) or InvalidFeature
(writes), a duplicate fid → InvalidFeature(field="id").
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

import psycopg.errors
import sqlalchemy as sa

from layers.errors import InvalidFeature, InvalidQuery, LayerNotFound, OneMapError, StoreUnavailable


class BoundedCache[V]:
    """A least-recently-used mapping with at most `size` entries, safe across threads."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


@contextmanager
def translated(layer_id: str | None = None, *, writing: bool = False) -> Iterator[None]:
    """Run a block, turning SQLAlchemy/psycopg errors into OneMap errors."""
    try:
        yield
    except OneMapError:
        raise
    except sa.exc.DBAPIError as exc:
        error = translate(exc, layer_id, writing=writing)
        if error is None:
            raise
        raise error from exc


def translate(exc: sa.exc.DBAPIError | psycopg.Error, layer_id: str | None, *,
              writing: bool) -> OneMapError | None:
    """The OneMap error for a database error, or None for a programming error (re-raised as is).

    Takes SQLAlchemy's wrapper or a bare psycopg error (raised by COPY on the raw connection).
    """
    orig = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
    detail = str(orig).strip().splitlines()[0] if orig is not None else str(exc)
    if isinstance(orig, psycopg.errors.UndefinedTable) and layer_id is not None:
        return LayerNotFound(f"图层不存在或其数据表缺失 / no layer table for {layer_id!r}: {detail}")
    if isinstance(orig, psycopg.errors.UniqueViolation) and writing:
        return InvalidFeature(f"要素编号已存在 / a feature with this id already exists: {detail}", field="id")
    if isinstance(orig, psycopg.errors.DataError | psycopg.errors.IntegrityError):
        if writing:
            column = getattr(getattr(orig, "diag", None), "column_name", None)
            if column == "geom" or (column is None and "geometry" in detail.lower()):
                column = "geometry"
            return InvalidFeature(f"数据库拒绝了该要素 / the database rejected the feature: {detail}",
                                  field=column)
        return InvalidQuery(f"查询参数无效 / the database rejected a query value: {detail}", parameter="filter")
    unreachable = (sa.exc.OperationalError, sa.exc.InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
    if isinstance(exc, unreachable) or getattr(exc, "connection_invalidated", False):
        return StoreUnavailable(f"数据库不可用 / database unavailable: {detail}")
    if isinstance(orig, psycopg.errors.InternalError_):
        return InvalidQuery(f"数据库无法执行该查询 / the database could not run the query: {detail}",
                            parameter="filter")
    return None
