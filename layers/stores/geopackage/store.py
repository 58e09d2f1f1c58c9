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
            registry.register(conn, layer, replace=replace)

    def drop_layer(self, layer_id: str) -> None:
        with writing(self.engine) as conn:
            registry.drop(conn, layer_id)

    def layer_state(self, layer: LayerDefinition) -> LayerState:
        return reader.layer_state(self.engine, layer)

    # -- reading ----------------------------------------------------------------------------
    def query(self, layer: LayerDefinition, query: FeatureQuery) -> FeaturePage:
        return reader.query_page(self.engine, layer, query, self.dialect)

    def get(self, layer: LayerDefinition, fid: int, crs: OutputCrs) -> StoredFeature:
        return reader.get_feature(self.engine, layer, fid, crs)

    def iter_records(self, layer: LayerDefinition, batch_size: int = 10_000) -> Iterator[list[StoredFeature]]:
        return reader.iter_batches(self.engine, layer, batch_size)

    # -- writing ----------------------------------------------------------------------------
    def insert(self, layer: LayerDefinition, records: Iterable[FeatureRecord],
               progress: Progress | None = None) -> list[int]:
        return writer.insert(self.engine, layer, records, progress)

    def replace(self, layer: LayerDefinition, fid: int, record: FeatureRecord,
                expected_version: int | None = None) -> StoredFeature:
        return writer.replace(self.engine, layer, fid, record, expected_version)

    def delete(self, layer: LayerDefinition, fid: int, expected_version: int | None = None) -> None:
        writer.delete(self.engine, layer, fid, expected_version)

    def delete_where_fids(self, layer: LayerDefinition, fids: Sequence[int]) -> int:
        return writer.delete_where_fids(self.engine, layer, fids)

    def replace_partitions(self, changes: Sequence[PartitionChange],
                           progress: Progress | None = None) -> list[list[int]]:
        if not changes:
            return []
        return partitions.replace_partitions(self.engine, changes, progress)

    # -- workflows (workflow.py, workflow_reads.py) ---------------------------------------------
    def transition(self, layer: LayerDefinition, change: GuardedTransition) -> StoredFeature:
        return workflow.transition(self.engine, layer, change)

    def insert_with_history(self, layer: LayerDefinition, items: Iterable[ItemWithHistory],
                            progress: Progress | None = None) -> list[int]:
        return workflow.insert_with_history(self.engine, layer, items, progress)

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
