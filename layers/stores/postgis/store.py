"""`PostgisStore`: the FeatureStore for production, on PostgreSQL + PostGIS.

Owns the engine (a pool sized for a web server, pre-ping), setup (`initialize`: PostGIS and
the Alembic head under an advisory lock) and the registry (`onemap_layers`, `onemap_meta`);
reading and writing features is delegated to `reads`, `writes` and `copy`; the edit log to
`edits`, and the change watch (LISTEN/NOTIFY) to `watch`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from layers.errors import LayerExists, LayerNotFound, StoreUnavailable
from layers.model import LayerDefinition
from layers.protect.field_secrets import FieldSecrets
from layers.protect.write_audit import record_drop, record_registration
from layers.query import FeaturePage, FeatureQuery, LayerState, OutputCrs, StoredFeature
from layers.stores.base import (
    ChangeWatch,
    Edit,
    FeatureRecord,
    FeatureStore,
    ItemWithHistory,
    PartitionChange,
    Progress,
)
from layers.stores.history import Attachment, GuardedTransition, HistoryFilter, HistoryRow, OverdueSweep
from layers.stores.postgis import copy, edits, migrate, partitions, workflow, workflow_tables, writes
from layers.stores.postgis.platform import (
    REGISTRY_LOCK,
    REGISTRY_REVISION,
    bump_registry_revision,
    layers_table,
    meta_table,
)
from layers.stores.postgis.reads import DEFAULT_COUNT_BUDGET_MS, Reader
from layers.stores.postgis.support import translated
from layers.stores.postgis.tables import (
    create_layer_table,
    drop_layer_table,
    evolve_layer_table,
    relation_exists,
)
from layers.stores.postgis.watch import NotifyWatch, WriteCounter

_SCHEMES = ("postgresql+psycopg://", "postgresql://", "postgres://")


def normalize_url(url: str) -> str:
    """`postgresql://`, `postgres://` and `postgresql+psycopg://` → the psycopg 3 driver."""
    for scheme in _SCHEMES:
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    raise StoreUnavailable(f"不是 PostgreSQL 地址 / not a PostgreSQL URL: {url!r}")


def _definition(stored: Any) -> LayerDefinition | None:
    try:
        return LayerDefinition.model_validate(stored)
    except ValueError:
        return None


def _same(stored: Any, layer: LayerDefinition) -> bool:
    try:
        return LayerDefinition.model_validate(stored) == layer
    except ValueError:
        return False


class PostgisStore(FeatureStore):
    kind = "postgis"

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 10,
                 count_budget_ms: int = DEFAULT_COUNT_BUDGET_MS, **engine_options: Any) -> None:
        self.url = normalize_url(url)
        self.engine = sa.create_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            # No pre-ping: it costs a round trip on every checkout. A connection that died (server
            # restart) fails its statement, SQLAlchemy drops it from the pool, and the request gets a
            # 503 problem; connections are also recycled every 30 minutes.
            pool_recycle=1800,
            # No server-side prepared statements: a layer dropped and registered again with other
            # column types would break a prepared plan ("cached plan must not change result type").
            connect_args={"application_name": "onemap", "prepare_threshold": None},
            **engine_options,
        )
        #: Reads are single statements: autocommit spares the BEGIN and ROLLBACK round trips.
        self.read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.reader = Reader(self.read_engine, count_budget_ms=count_budget_ms)
        #: Writes made through this object, counted after each one ends (the watch's in-process signal).
        self.writes = WriteCounter()
        #: SM4 for the layers' secret fields (keys must be configured: no local key on a server database).
        self.secrets = FieldSecrets()

    def __repr__(self) -> str:
        return f"PostgisStore({self.engine.url.render_as_string(hide_password=True)!r})"

    # -- lifecycle -------------------------------------------------------------------------
    def initialize(self) -> None:
        with translated(), self.engine.begin() as conn:
            migrate.upgrade(conn)

    def close(self) -> None:
        self.engine.dispose()

    # -- registry --------------------------------------------------------------------------
    def registry_revision(self) -> int:
        statement = sa.select(meta_table.c.value).where(meta_table.c.key == REGISTRY_REVISION)
        with translated(), self.read_engine.connect() as conn:
            value = conn.execute(statement).scalar()
        if value is None:
            raise StoreUnavailable("平台表未初始化 / platform tables missing: run initialize()")
        return int(value)

    def load_layer_definitions(self) -> list[LayerDefinition]:
        statement = sa.select(layers_table.c.definition).order_by(layers_table.c.position, layers_table.c.id)
        with translated(), self.read_engine.connect() as conn:
            rows = conn.execute(statement).scalars().all()
        return [LayerDefinition.model_validate(row) for row in rows]

    def register_layer(self, layer: LayerDefinition, *, replace: bool = False) -> None:
        definition = layer.model_dump(mode="json")
        with translated(layer.id, writing=True), self.engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": REGISTRY_LOCK})
            exists = conn.execute(
                sa.select(layers_table.c.definition).where(layers_table.c.id == layer.id).with_for_update()
            ).first()
            if exists is not None and not replace:
                raise LayerExists(f"图层已存在 / a collection with id {layer.id!r} is already registered")
            if exists is not None and _same(exists.definition, layer) and relation_exists(conn, layer.id):
                return  # re-registered unchanged (every start-up): not a change
            if exists is None:
                create_layer_table(conn, layer)
                position = sa.select(sa.func.coalesce(sa.func.max(layers_table.c.position), 0) + 1)
                version = conn.execute(sa.insert(layers_table).values(
                    id=layer.id, definition=definition, position=position.scalar_subquery(),
                    data_version=edits.starting_version(layer.id)).returning(layers_table.c.data_version)).scalar_one()
            else:
                evolve_layer_table(conn, layer)
                version = conn.execute(sa.update(layers_table).where(layers_table.c.id == layer.id).values(
                    definition=definition, updated_at=sa.func.now(),
                    data_version=layers_table.c.data_version + 1).returning(layers_table.c.data_version)).scalar_one()
                edits.record_whole_layer(conn, layer.id, version)
            bump_registry_revision(conn)
            record_registration(conn, self.kind, _definition(exists.definition) if exists is not None else None,
                                layer, int(version))
        self.writes.bump()

    def drop_layer(self, layer_id: str) -> None:
        with translated(layer_id, writing=True), self.engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": REGISTRY_LOCK})
            last = conn.execute(sa.delete(layers_table).where(layers_table.c.id == layer_id)
                                .returning(layers_table.c.data_version)).scalar()
            if last is None:
                raise LayerNotFound(f"图层不存在 / no collection with id {layer_id!r}")
            drop_layer_table(conn, layer_id)
            edits.forget_layer(conn, layer_id, int(last))
            bump_registry_revision(conn)
            record_drop(conn, self.kind, layer_id, int(last))
        self.writes.bump()

    def layer_state(self, layer: LayerDefinition) -> LayerState:
        return self.reader.layer_state(layer)

    # -- reading ----------------------------------------------------------------------------
    # Secret fields (`secrets`): filters on them are refused, masked ones are read unmasked, and what
    # comes back is decrypted (and masked) for the fields of the definition given.
    def query(self, layer: LayerDefinition, query: FeatureQuery) -> FeaturePage:
        self.secrets.check_query(layer, query)
        return self.secrets.page(layer, self.reader.query(self.secrets.reading(layer), query))

    def get(self, layer: LayerDefinition, fid: int, crs: OutputCrs) -> StoredFeature:
        return self.secrets.feature(layer, self.reader.get(self.secrets.reading(layer), fid, crs))

    def iter_records(self, layer: LayerDefinition, batch_size: int = 10_000) -> Iterator[list[StoredFeature]]:
        return self.secrets.batches(layer, self.reader.iter_records(self.secrets.reading(layer), batch_size))

    # -- writing ----------------------------------------------------------------------------
    def insert(self, layer: LayerDefinition, records: Iterable[FeatureRecord],
               progress: Progress | None = None) -> list[int]:
        with self.writes.counting():
            return copy.insert(self.engine, layer, self.secrets.records(layer, records), progress)

    def replace(self, layer: LayerDefinition, fid: int, record: FeatureRecord,
                expected_version: int | None = None) -> StoredFeature:
        with self.writes.counting():
            stored = writes.replace(self.engine, self.secrets.reading(layer), fid, self.secrets.record(layer, record),
                                    expected_version)
        return self.secrets.feature(layer, stored)

    def delete(self, layer: LayerDefinition, fid: int, expected_version: int | None = None) -> None:
        with self.writes.counting():
            writes.delete(self.engine, layer, fid, expected_version)

    def delete_where_fids(self, layer: LayerDefinition, fids: Sequence[int]) -> int:
        with self.writes.counting():
            return writes.delete_where_fids(self.engine, layer, fids)

    def replace_partitions(self, changes: Sequence[PartitionChange],
                           progress: Progress | None = None) -> list[list[int]]:
        if not changes:
            return []
        changes = self.secrets.partitions(changes)
        with self.writes.counting():
            return partitions.replace_partitions(self.engine, changes, progress)

    # -- workflows (workflow.py, workflow_tables.py) --------------------------------------------
    def transition(self, layer: LayerDefinition, change: GuardedTransition) -> StoredFeature:
        with self.writes.counting():
            stored = workflow.transition(self.engine, self.secrets.reading(layer),
                                         self.secrets.transition(layer, change))
        return self.secrets.feature(layer, stored)

    def insert_with_history(self, layer: LayerDefinition, items: Iterable[ItemWithHistory],
                            progress: Progress | None = None) -> list[int]:
        with self.writes.counting():
            return workflow.insert_with_history(self.engine, layer, self.secrets.items(layer, items), progress)

    def history(self, layer: LayerDefinition, fid: int) -> list[HistoryRow]:
        return workflow_tables.history(self.read_engine, layer, fid)

    def history_rows(self, selection: HistoryFilter) -> list[HistoryRow]:
        return workflow_tables.history_rows(self.read_engine, selection)

    def sweep_overdue(self, layer: LayerDefinition, now: datetime) -> OverdueSweep:
        with self.writes.counting():
            return workflow.sweep_overdue(self.engine, self.read_engine, layer, now)

    def put_attachment(self, layer: LayerDefinition, attachment: Attachment) -> Attachment:
        return workflow_tables.put_attachment(self.engine, layer, attachment)

    def attachments(self, layer: LayerDefinition, fid: int) -> list[Attachment]:
        return workflow_tables.attachments(self.read_engine, layer, fid)

    def get_attachment(self, layer: LayerDefinition, fid: int, attachment_id: str) -> Attachment:
        return workflow_tables.get_attachment(self.read_engine, layer, fid, attachment_id)

    # -- change tracking ----------------------------------------------------------------------
    def instance_id(self) -> str:
        # The object id of the edit-log table: new whenever the platform tables are created again
        # (PostgreSQL hands out object ids from a cluster-wide counter that only moves forward).
        with translated(), self.read_engine.connect() as conn:
            table = conn.execute(sa.text("SELECT to_regclass('onemap_edits')::oid")).scalar()
        if table is None:
            raise StoreUnavailable("平台表未初始化 / platform tables missing: run initialize()")
        return f"{int(table):x}"

    def layer_versions(self) -> dict[str, int]:
        statement = sa.select(layers_table.c.id, layers_table.c.data_version)
        with translated(), self.read_engine.connect() as conn:
            return {row[0]: int(row[1]) for row in conn.execute(statement)}

    def edits_since(self, layer_id: str, data_version: int) -> list[Edit]:
        with translated(layer_id), self.read_engine.connect() as conn:
            return edits.since(conn, layer_id, data_version)

    def change_watch(self) -> ChangeWatch:
        return NotifyWatch(self.url, self.writes)
