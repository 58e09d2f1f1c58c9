"""`GeoPackageStore`: the embedded store — one GeoPackage 1.3 file that GDAL and QGIS open as is.

Layers are GeoPackage feature tables (R-tree indexed, registered in gpkg_contents with Chinese
titles); the platform registry lives in ``onemap_layers``/``onemap_meta`` in the same file.
Several worker processes may open the file at once (WAL journal, busy timeout).
May import: sqlalchemy, layers.*, this package.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from layers.errors import StoreUnavailable
from layers.model import LayerDefinition
from layers.protect.field_secrets import FieldSecrets, local_key_path
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
from layers.stores.geopackage import edits, partitions, reader, registry, schema, workflow, workflow_reads, writer
from layers.stores.geopackage.dialect import GeoPackageDialect
from layers.stores.geopackage.engine import create_engine, reading, writing
from layers.stores.geopackage.watch import DataVersionWatch
from layers.stores.history import Attachment, GuardedTransition, HistoryFilter, HistoryRow, OverdueSweep


class GeoPackageStore(FeatureStore):
    kind = "geopackage"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.dialect = GeoPackageDialect()
        self._engine: sa.Engine | None = None
        #: SM4 for the layers' secret fields; without configured keys, a local key file beside the file.
        self.secrets = FieldSecrets(local_key_file=local_key_path(self.path))

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailable(f"无法创建 GeoPackage 目录 / cannot create directory for {self.path}: "
                                       f"{exc}") from exc
            self._engine = create_engine(self.path)
        return self._engine

    def __repr__(self) -> str:
        return f"GeoPackageStore({str(self.path)!r})"

    # -- lifecycle -------------------------------------------------------------------------
    def initialize(self) -> None:
        try:
            with writing(self.engine) as conn:
                schema.create_core(conn)
            # Readers such as GDAL check the application id in the file's first bytes, not through
            # SQLite: copy the header page from the WAL into the database file now.
            raw = self.engine.raw_connection()  # outside any transaction
            try:
                raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                raw.close()
        except sa.exc.DatabaseError as exc:
            raise StoreUnavailable(f"无法打开 GeoPackage 文件 / cannot open GeoPackage {self.path}: "
                                   f"{exc.orig}") from exc

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # -- registry persistence --------------------------------------------------------------
    def registry_revision(self) -> int:
        with reading(self.engine) as conn:
            return registry.revision(conn)

    def load_layer_definitions(self) -> list[LayerDefinition]:
        with reading(self.engine) as conn:
            return registry.load_definitions(conn)

    def register_layer(self, layer: LayerDefinition, *, replace: bool = False) -> None:
        with writing(self.engine) as conn:
            old = registry.stored_definition(conn, layer.id)
            revision = registry.revision(conn)
            registry.register(conn, layer, replace=replace)
            if registry.revision(conn) != revision:  # a change, not an unchanged re-registration
                version = conn.exec_driver_sql("SELECT data_version FROM onemap_layers WHERE id = ?",
                                               (layer.id,)).scalar()
                record_registration(conn, self.kind, old, layer, None if version is None else int(version))

    def drop_layer(self, layer_id: str) -> None:
        with writing(self.engine) as conn:
            last = conn.exec_driver_sql("SELECT data_version FROM onemap_layers WHERE id = ?", (layer_id,)).scalar()
            registry.drop(conn, layer_id)
            record_drop(conn, self.kind, layer_id, None if last is None else int(last))

    def layer_state(self, layer: LayerDefinition) -> LayerState:
        return reader.layer_state(self.engine, layer)

    # -- reading ----------------------------------------------------------------------------
    # Secret fields (`secrets`): filters on them are refused, masked ones are read unmasked, and what
    # comes back is decrypted (and masked) for the fields of the definition given.
    def query(self, layer: LayerDefinition, query: FeatureQuery) -> FeaturePage:
        self.secrets.check_query(layer, query)
        return self.secrets.page(layer, reader.query_page(self.engine, self.secrets.reading(layer), query,
                                                          self.dialect))

    def get(self, layer: LayerDefinition, fid: int, crs: OutputCrs) -> StoredFeature:
        return self.secrets.feature(layer, reader.get_feature(self.engine, self.secrets.reading(layer), fid, crs))

    def iter_records(self, layer: LayerDefinition, batch_size: int = 10_000) -> Iterator[list[StoredFeature]]:
        return self.secrets.batches(layer, reader.iter_batches(self.engine, self.secrets.reading(layer), batch_size))

    # -- writing (secret values encrypted on the way in) -------------------------------------
    def insert(self, layer: LayerDefinition, records: Iterable[FeatureRecord],
               progress: Progress | None = None) -> list[int]:
        return writer.insert(self.engine, layer, self.secrets.records(layer, records), progress)

    def replace(self, layer: LayerDefinition, fid: int, record: FeatureRecord,
                expected_version: int | None = None) -> StoredFeature:
        stored = writer.replace(self.engine, self.secrets.reading(layer), fid, self.secrets.record(layer, record),
                                expected_version)
        return self.secrets.feature(layer, stored)

    def delete(self, layer: LayerDefinition, fid: int, expected_version: int | None = None) -> None:
        writer.delete(self.engine, layer, fid, expected_version)

    def delete_where_fids(self, layer: LayerDefinition, fids: Sequence[int]) -> int:
        return writer.delete_where_fids(self.engine, layer, fids)

    def replace_partitions(self, changes: Sequence[PartitionChange],
                           progress: Progress | None = None) -> list[list[int]]:
        if not changes:
            return []
        return partitions.replace_partitions(self.engine, self.secrets.partitions(changes), progress)

    # -- workflows (workflow.py, workflow_reads.py) ---------------------------------------------
    def transition(self, layer: LayerDefinition, change: GuardedTransition) -> StoredFeature:
        stored = workflow.transition(self.engine, self.secrets.reading(layer), self.secrets.transition(layer, change))
        return self.secrets.feature(layer, stored)

    def insert_with_history(self, layer: LayerDefinition, items: Iterable[ItemWithHistory],
                            progress: Progress | None = None) -> list[int]:
        return workflow.insert_with_history(self.engine, layer, self.secrets.items(layer, items), progress)

    def history(self, layer: LayerDefinition, fid: int) -> list[HistoryRow]:
        return workflow_reads.history(self.engine, layer, fid)

    def history_rows(self, selection: HistoryFilter) -> list[HistoryRow]:
        return workflow_reads.history_rows(self.engine, selection)

    def sweep_overdue(self, layer: LayerDefinition, now: datetime) -> OverdueSweep:
        return workflow.sweep_overdue(self.engine, layer, now)

    def put_attachment(self, layer: LayerDefinition, attachment: Attachment) -> Attachment:
        return workflow_reads.put_attachment(self.engine, layer, attachment)

    def attachments(self, layer: LayerDefinition, fid: int) -> list[Attachment]:
        return workflow_reads.attachments(self.engine, layer, fid)

    def get_attachment(self, layer: LayerDefinition, fid: int, attachment_id: str) -> Attachment:
        return workflow_reads.get_attachment(self.engine, layer, fid, attachment_id)

    # -- change tracking ----------------------------------------------------------------------
    def instance_id(self) -> str:
        with reading(self.engine) as conn:
            value = conn.exec_driver_sql("SELECT value FROM onemap_meta WHERE key = 'instance_id'").scalar()
        if value is None:
            raise StoreUnavailable(f"GeoPackage 未初始化 / GeoPackage not initialized: {self.path}")
        return str(value)

    def layer_versions(self) -> dict[str, int]:
        with reading(self.engine) as conn:
            return edits.versions(conn)

    def edits_since(self, layer_id: str, data_version: int) -> list[Edit]:
        with reading(self.engine) as conn:
            return edits.since(conn, layer_id, data_version)

    def change_watch(self) -> ChangeWatch:
        return DataVersionWatch(self.path)
