"""Bulk insert through PostgreSQL binary COPY, all records in one transaction.

Records stream through a single `COPY … FROM STDIN (FORMAT BINARY)`: the caller's iterable is
read a small batch at a time while PostgreSQL works on the rows already sent (index maintenance
is most of its work), so reading the source and writing the table overlap. Geometries travel as
WKB (`shapely.to_wkb`, vectorised per batch), which the geometry column's binary input reads
directly; the column's typmod gives them SRID 4490.

Fids come from the table's identity sequence, reserved before the rows are sent so the caller gets
them back in order without RETURNING: a small insert reserves exactly what it needs; a large one
reserves growing blocks on a second connection (`nextval` is not transactional, so that is safe
while the COPY is open) and hands back the unused tail. Records that bring their own fid keep it
and the sequence is moved past them.

Each batch also logs its union box in the edit log (`edits`), and the insert appends its audit record,
in the same transaction.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import psycopg
import shapely
import sqlalchemy as sa

from layers.errors import InvalidFeature, LayerNotFound
from layers.model import FieldType, LayerDefinition
from layers.protect.write_audit import fid_detail, record_write
from layers.stores.base import EditBox, FeatureRecord, Progress
from layers.stores.postgis import edits
from layers.stores.postgis.geojson_sql import q
from layers.stores.postgis.platform import bump_data_version, layers_table
from layers.stores.postgis.support import translate, translated

#: Records encoded together (and the step between progress reports, at least `PROGRESS_STEP`).
BATCH = 2_000
PROGRESS_STEP = 10_000
#: Sizes of the fid blocks a large insert reserves: from the first to the last, doubling.
FIRST_BLOCK = 4_096
LAST_BLOCK = 65_536

#: PostgreSQL type names psycopg dumps each field type as in binary COPY.
_COPY_TYPES = {
    FieldType.STRING: "text",
    FieldType.INTEGER: "int8",
    FieldType.NUMBER: "float8",
    FieldType.BOOLEAN: "bool",
    FieldType.DATE: "date",
    FieldType.DATETIME: "timestamptz",
}

_RESERVE = "SELECT nextval(%(seq)s::regclass) FROM generate_series(1, %(n)s) ORDER BY 1"


class FidBlocks:
    """Fids from the identity sequence, reserved in growing blocks on a connection of its own."""

    def __init__(self, engine: sa.Engine, sequence: str) -> None:
        self._engine = engine
        self._sequence = sequence
        self._conn: sa.Connection | None = None
        self._free: deque[int] = deque()
        self._block = FIRST_BLOCK
        self._last = 0

    def take(self, count: int) -> list[int]:
        while len(self._free) < count:
            self._reserve(max(count - len(self._free), self._block))
            self._block = min(self._block * 2, LAST_BLOCK)
        return [self._free.popleft() for _ in range(count)]

    def _reserve(self, count: int) -> None:
        if self._conn is None:
            self._conn = self._engine.connect()
        rows = self._conn.exec_driver_sql(_RESERVE, {"seq": self._sequence, "n": count}).all()
        self._free.extend(int(row[0]) for row in rows)
        self._last = int(rows[-1][0])

    def close(self) -> None:
        """Give the unused tail back if nobody has drawn from the sequence since, then release."""
        if self._conn is None:
            return
        try:
            if self._free:
                self._conn.exec_driver_sql(
                    "SELECT setval(%(seq)s::regclass, %(first)s, false) "
                    "WHERE pg_sequence_last_value(%(seq)s::regclass) = %(last)s",
                    {"seq": self._sequence, "first": self._free[0], "last": self._last},
                )
                self._conn.commit()
        finally:
            self._conn.close()


def insert(engine: sa.Engine, layer: LayerDefinition, records: Iterable[FeatureRecord],
           progress: Progress | None = None) -> list[int]:
    """Insert all records or none; their fids in order."""
    source = iter(records)
    first = tuple(itertools.islice(source, BATCH))
    with translated(layer.id, writing=True), engine.begin() as conn:
        registered = bump_data_version(conn, layer.id) if first else _registered(conn, layer.id)
        if registered is None:
            raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}")
        if not first:
            return []  # nothing written: the data version stays
        fids, boxes = copy_records(conn, engine, layer, itertools.chain(first, source), progress)
        edits.record(conn, layer.id, int(registered), boxes)
        record_write(conn, "postgis", layer.id, "insert", **fid_detail(fids), data_version=int(registered))
    if progress is not None:
        progress(len(fids))
    return fids


def copy_records(conn: sa.Connection, engine: sa.Engine, layer: LayerDefinition, records: Iterable[FeatureRecord],
                 progress: Progress | None = None, done: int = 0) -> tuple[list[int], list[EditBox | None]]:
    """COPY `records` into the layer's table inside the caller's transaction (which has checked the
    layer is registered and bumps its data version); their fids in order and the batches' boxes.

    `progress` gets `done` + the rows sent so far, every `PROGRESS_STEP` rows.
    """
    names = layer.field_names
    columns = ", ".join(q(name) for name in ("fid", "geom", *names))
    copy_sql = f"COPY {q(layer.id)} ({columns}) FROM STDIN (FORMAT BINARY)"
    types = ["int8", "bytea", *(_COPY_TYPES[spec.type] for spec in layer.fields)]
    source = iter(records)
    first = tuple(itertools.islice(source, BATCH))
    batches = itertools.chain([first], itertools.batched(source, BATCH)) if len(first) == BATCH else [first]
    fids: list[int] = []
    boxes: list[EditBox | None] = []
    if not first:
        return fids, boxes
    explicit = False
    sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:table, 'fid')"),
                            {"table": q(layer.id)}).scalar_one()
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    blocks = FidBlocks(engine, sequence)
    small = len(first) < BATCH
    with raw.cursor() as cursor:
        exact: deque[int] = deque()
        if small:
            wanted = sum(1 for record in first if record.fid is None)
            exact.extend(int(row[0]) for row in cursor.execute(_RESERVE, {"seq": sequence, "n": wanted}))
        try:
            with _copy_errors(layer.id), cursor.copy(copy_sql) as copy:
                copy.set_types(types)
                reported = 0
                for batch in batches:
                    wanted = sum(1 for record in batch if record.fid is None)
                    fresh = iter([exact.popleft() for _ in range(wanted)] if small else blocks.take(wanted))
                    explicit = explicit or wanted < len(batch)
                    batch_fids = [next(fresh) if r.fid is None else int(r.fid) for r in batch]
                    boxes.append(_write(copy, batch_fids, batch, names))
                    fids.extend(batch_fids)
                    if progress is not None and len(fids) - reported >= PROGRESS_STEP:
                        reported = len(fids)
                        progress(done + reported)
        finally:
            blocks.close()
        if explicit:
            cursor.execute(
                f"SELECT setval(%(seq)s::regclass, m) FROM (SELECT max(fid) AS m FROM {q(layer.id)}) s "
                "WHERE m > coalesce(pg_sequence_last_value(%(seq)s::regclass), 0)",
                {"seq": sequence},
            )
    return fids, boxes


def _registered(conn: sa.Connection, layer_id: str) -> str | None:
    return conn.execute(sa.select(layers_table.c.id).where(layers_table.c.id == layer_id)).scalar()


def _write(copy: psycopg.Copy, fids: list[int], batch: Sequence[FeatureRecord],
           names: tuple[str, ...]) -> EditBox | None:
    """Send one batch; the union box of its geometries (None if none has a box)."""
    geometries = np.array([record.geometry for record in batch], dtype=object)
    try:
        wkbs = shapely.to_wkb(geometries, output_dimension=2)
        bounds = shapely.bounds(geometries)
    except (TypeError, shapely.errors.ShapelyError) as exc:
        raise InvalidFeature(f"几何对象无法编码 / geometry cannot be encoded: {exc}", field="geometry") from exc
    try:
        for fid, wkb, record in zip(fids, wkbs, batch, strict=True):
            copy.write_row((fid, wkb, *map(record.properties.get, names)))
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidFeature(f"属性值类型与字段不符 / a property value does not fit its field: {exc}") from exc
    return union_box(bounds)


def union_box(bounds: np.ndarray) -> EditBox | None:
    """The union of the finite rows of an (n, 4) bounds array."""
    finite = bounds[np.isfinite(bounds).all(axis=1)]
    if finite.size == 0:
        return None
    return (float(finite[:, 0].min()), float(finite[:, 1].min()), float(finite[:, 2].max()), float(finite[:, 3].max()))


@contextmanager
def _copy_errors(layer_id: str) -> Iterator[None]:
    """psycopg errors raised by COPY on the raw connection → OneMap errors."""
    try:
        yield
    except psycopg.Error as exc:
        error = translate(exc, layer_id, writing=True)
        if error is None:
            raise
        raise error from exc
