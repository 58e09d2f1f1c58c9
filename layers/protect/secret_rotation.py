"""Re-encrypting the stored values of secret fields under the active SM4 key (`onemap secrets rotate`).

A layer is walked in fid order, `batch_size` rows with a secret value at a time; each batch is one
write transaction that rewrites only the values that need it — tokens under another key of the ring
(`FieldCipher.rewrap`) and plaintext written before the field was marked secret (encrypted) — and
appends one `key_rotation` audit record. Values already under the active key are left alone, so an
interrupted rotation is resumed by running it again. Feature versions and data versions do not move:
what a reader sees is unchanged. `census` counts the stored values by key id (when no value under an
old key is left, that key can leave the ring).
May import: sqlalchemy, layers.model, layers.stores (table definitions of both stores), this package.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from layers.model import LayerDefinition
from layers.protect.field_secrets import secret_fields
from layers.protect.sm4 import FieldCipher, is_encrypted
from layers.protect.write_audit import record_write

#: Rows read and rewritten per transaction.
DEFAULT_BATCH = 1_000
#: How `census` labels values that are not SM4 tokens.
PLAINTEXT = "plaintext"


@dataclass
class RotationReport:
    layer_id: str
    rows: int = 0
    rewrapped: int = 0
    encrypted: int = 0
    current: int = 0
    batches: int = 0
    last_fid: int | None = None
    fields: list[str] = field(default_factory=list)


def _table(store: Any, layer: LayerDefinition) -> sa.Table:
    if store.kind == "postgis":
        from layers.stores.postgis.tables import layer_table

        return layer_table(layer)
    from layers.stores.geopackage.tables import layer_table as gpkg_table

    return gpkg_table(layer).table


def _begin(store: Any) -> AbstractContextManager[sa.Connection]:
    if store.kind == "postgis":
        return store.engine.begin()  # type: ignore[no-any-return]
    from layers.stores.geopackage.engine import writing

    return writing(store.engine)


def _reading(store: Any) -> AbstractContextManager[sa.Connection]:
    if store.kind == "postgis":
        return store.read_engine.connect()  # type: ignore[no-any-return]
    from layers.stores.geopackage.engine import reading

    return reading(store.engine)


def _with_values(table: sa.Table, names: list[str]) -> sa.ColumnElement[bool]:
    return sa.or_(*(table.c[name].is_not(None) for name in names))


def pending_rows(store: Any, layer: LayerDefinition) -> int:
    """How many rows hold a value in any secret field (what a rotation of the layer reads)."""
    names = [spec.name for spec in secret_fields(layer)]
    if not names:
        return 0
    table = _table(store, layer)
    with _reading(store) as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)
                                .where(_with_values(table, names))).scalar_one())


def rotate_layer(store: Any, layer: LayerDefinition, cipher: FieldCipher, *, batch_size: int = DEFAULT_BATCH,
                 after: int = 0, progress: Callable[[RotationReport], None] | None = None) -> RotationReport:
    """Bring every secret value of `layer` under the cipher's active key, batch by batch."""
    names = [spec.name for spec in secret_fields(layer)]
    report = RotationReport(layer.id, fields=names)
    if not names:
        return report
    table = _table(store, layer)
    select = (sa.select(table.c.fid, *(table.c[name] for name in names))
              .where(table.c.fid > sa.bindparam("after"), _with_values(table, names))
              .order_by(table.c.fid).limit(max(1, batch_size)))
    if store.kind == "postgis":
        select = select.with_for_update()
    update = (sa.update(table).where(table.c.fid == sa.bindparam("row_fid"))
              .values({name: sa.bindparam(f"new_{name}") for name in names}))
    last = after
    while True:
        with _begin(store) as conn:
            rows = conn.execute(select, {"after": last}).all()
            if not rows:
                break
            changes = list(_changes(rows, names, layer, cipher, report))
            if changes:
                conn.execute(update, changes)
                record_write(conn, store.kind, layer.id, "rotate_secrets", action="key_rotation",
                             active_key=cipher.keyring.active_id, fields=names, rows=len(changes),
                             first_fid=int(rows[0][0]), last_fid=int(rows[-1][0]))
        last = int(rows[-1][0])
        report.rows += len(rows)
        report.batches += 1
        report.last_fid = last
        if progress is not None:
            progress(report)
        if len(rows) < batch_size:
            break
    return report


def _changes(rows: list[sa.Row[Any]], names: list[str], layer: LayerDefinition, cipher: FieldCipher,
             report: RotationReport) -> Iterator[dict[str, Any]]:
    for row in rows:
        values = dict(zip(names, row[1:], strict=True))
        changed = False
        for name, value in values.items():
            if value is None:
                continue
            if not is_encrypted(value):
                values[name] = cipher.encrypt(str(value), layer=layer.id, field=name)
                report.encrypted += 1
                changed = True
                continue
            new = cipher.rewrap(value, layer=layer.id, field=name)
            if new != value:
                values[name] = new
                report.rewrapped += 1
                changed = True
            else:
                report.current += 1
        if changed:
            yield {"row_fid": int(row[0]), **{f"new_{name}": value for name, value in values.items()}}


def census(store: Any, layer: LayerDefinition) -> dict[str, Counter[str]]:
    """Per secret field: how many stored values are under each key id (`PLAINTEXT`: not encrypted)."""
    names = [spec.name for spec in secret_fields(layer)]
    result: dict[str, Counter[str]] = {name: Counter() for name in names}
    if not names:
        return result
    table = _table(store, layer)
    with _reading(store) as conn:
        for name in names:
            column = table.c[name]
            for value in conn.execute(sa.select(column).where(column.is_not(None))).scalars():
                result[name][str(value).split(":", 2)[1] if is_encrypted(value) else PLAINTEXT] += 1
    return result
