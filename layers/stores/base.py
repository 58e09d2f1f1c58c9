"""The one interface every feature store implements (PostGIS, GeoPackage).

A store persists layer definitions (the registry table), one table per layer, and features.
Writes are transactional: a method either commits everything it was given or nothing.
Stores receive features already validated by `layers.validation` (geometry in EPSG:4490,
longitude first, properties coerced to Python types) and must not re-interpret them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shapely.geometry.base import BaseGeometry

from layers.model import LayerDefinition
from layers.query import FeaturePage, FeatureQuery, LayerState, OutputCrs, StoredFeature
from layers.stores.history import Attachment, GuardedTransition, HistoryFilter, HistoryRow, OverdueSweep

#: Edit-log entries kept per layer, counted in data versions (older ones fold into one whole-layer entry).
EDIT_LOG_KEEP = 1_000

#: Called with the number of rows written so far during bulk writes.
Progress = Callable[[int], None]

#: A bounding box in storage CRS (EPSG:4490 lon/lat): minx, miny, maxx, maxy.
EditBox = tuple[float, float, float, float]
#: One entry of a layer's edit log: the data version that made the change and the box of what
#: changed (the old and the new geometry of a feature, or the union over a bulk write); a box of
#: None means the whole layer may have changed (layer re-created, definition changed, log pruned).
Edit = tuple[int, EditBox | None]


def as_box(values: Sequence[object]) -> EditBox | None:
    """An edit box from four numbers (minx, miny, maxx, maxy), None when any is missing (an empty or
    NULL geometry)."""
    if any(value is None for value in values):
        return None
    minx, miny, maxx, maxy = (float(value) for value in values)  # type: ignore[arg-type]
    return (minx, miny, maxx, maxy)


class ChangeWatch(ABC):
    """A cheap, per-process signal that some write may have committed since the last call.

    Tile caches call `changed()` on every request and re-read `layer_versions()` only when it says
    so; it must cost microseconds (no database round trip) and may err only towards True.
    """

    @abstractmethod
    def changed(self) -> bool:
        """True if any write may have committed (in any process) since the previous call."""

    def close(self) -> None:  # noqa: B027 - most watches hold nothing
        """Release what the watch holds (a listening connection, a file handle)."""


class AlwaysChanged(ChangeWatch):
    """The fallback watch: every call says "changed", so callers re-read versions every time."""

    def changed(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class FeatureRecord:
    """A validated feature to write. `fid` None lets the store assign one."""

    geometry: BaseGeometry
    properties: dict[str, Any] = field(default_factory=dict)
    fid: int | None = None


@dataclass(frozen=True, slots=True)
class PartitionChange:
    """One part of a `replace_partitions` call: in `layer`, the features whose `field` equals `value`
    give way to `records` (every record should carry that value, so the partition is whole again)."""

    layer: LayerDefinition
    field: str
    value: Any
    records: Sequence[FeatureRecord] = ()


#: An item to insert with its history: the feature (fid None: the store assigns one) and its steps in
#: order (each row's `fid` is replaced by the feature's, a `geometry` of None by the feature's geometry).
ItemWithHistory = tuple[FeatureRecord, Sequence[HistoryRow]]


class FeatureStore(ABC):
    """A place that keeps layers and their features."""

    #: Short name shown in logs and `/` (e.g. "geopackage", "postgis").
    kind: str

    # -- lifecycle -------------------------------------------------------------------------
    @abstractmethod
    def initialize(self) -> None:
        """Create or migrate the platform tables. Idempotent."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    # -- registry persistence --------------------------------------------------------------
    @abstractmethod
    def registry_revision(self) -> int:
        """A number that grows whenever any layer is registered, replaced or dropped. Must be cheap."""

    @abstractmethod
    def load_layer_definitions(self) -> list[LayerDefinition]:
        """Every registered layer, in registration order."""

    @abstractmethod
    def register_layer(self, layer: LayerDefinition, *, replace: bool = False) -> None:
        """Store the definition and create the layer table with its spatial index, in one transaction.

        Raises `LayerExists` if the id is taken and `replace` is false. With `replace`, a definition
        whose columns are unchanged keeps its data; otherwise columns are added (never dropped).
        """

    @abstractmethod
    def drop_layer(self, layer_id: str) -> None:
        """Remove the definition and the table. Raises `LayerNotFound`."""

    @abstractmethod
    def layer_state(self, layer: LayerDefinition) -> LayerState:
        """Data version, feature count, spatial and temporal extent."""

    # -- reading ----------------------------------------------------------------------------
    @abstractmethod
    def query(self, layer: LayerDefinition, query: FeatureQuery) -> FeaturePage:
        """One page of features matching the query, encoded as GeoJSON in `query.crs`.

        Raises `InvalidQuery` for a query the store cannot run as asked.
        """

    @abstractmethod
    def get(self, layer: LayerDefinition, fid: int, crs: OutputCrs) -> StoredFeature:
        """One feature. Raises `FeatureNotFound`."""

    @abstractmethod
    def iter_records(self, layer: LayerDefinition, batch_size: int = 10_000) -> Iterator[list[StoredFeature]]:
        """Every feature in storage CRS (EPSG:4490, lon/lat), in fid order, batch by batch (export)."""

    # -- writing (each call is one transaction) --------------------------------------------
    @abstractmethod
    def insert(self, layer: LayerDefinition, records: Iterable[FeatureRecord],
               progress: Progress | None = None) -> list[int]:
        """Insert all records or none; returns their fids in order. Bulk imports come through here."""

    @abstractmethod
    def replace(self, layer: LayerDefinition, fid: int, record: FeatureRecord,
                expected_version: int | None = None) -> StoredFeature:
        """Replace geometry and every property. `expected_version` mismatch raises `VersionConflict`;
        a missing feature raises `FeatureNotFound`. Returns the new state (storage CRS, lon/lat)."""

    @abstractmethod
    def delete(self, layer: LayerDefinition, fid: int, expected_version: int | None = None) -> None:
        """Delete one feature. Same errors as `replace`."""

    @abstractmethod
    def delete_where_fids(self, layer: LayerDefinition, fids: Sequence[int]) -> int:
        """Delete many features in one transaction (used by re-imports); returns how many went."""

    @abstractmethod
    def replace_partitions(self, changes: Sequence[PartitionChange],
                           progress: Progress | None = None) -> list[list[int]]:
        """In ONE transaction across all the layers named: for each change, delete the features whose
        `field` equals `value`, then insert its records. Returns the new fids per change, in order.

        All or nothing: a failure anywhere (an unknown layer or field, a rejected record, the
        database) leaves every layer as it was. Each layer that changed gets one data-version bump
        and edit-log entries covering what went and what came (a chart cell re-imported as a new
        edition is the use). `progress` is called with the number of records inserted so far.
        """

    # -- workflows (each write is one transaction, bookkept like the writes above) -----------
    # The history (`onemap_history`) is append-only and goes with its layer when the layer is
    # dropped; a history row's geometry is stored in EPSG:4490. Guarded writes bump the feature's
    # `_version`, the layer's data version and the edit log exactly as `replace` does.

    @abstractmethod
    def transition(self, layer: LayerDefinition, change: GuardedTransition) -> StoredFeature:
        """Apply `change.properties` to item `change.fid` if it is still in `change.expected_state` at
        `change.expected_version`, and append `change.history` (numbered after the item's last step,
        with the item's geometry) in the same transaction. Returns the new state (storage CRS).

        Of several concurrent calls for one item exactly one succeeds. A miss raises
        `FeatureNotFound`, `StateConflict` (another state now; `current_state`, `current_version`)
        or `VersionConflict` (same state, another version); nothing is written then.
        """

    @abstractmethod
    def insert_with_history(self, layer: LayerDefinition, items: Iterable[ItemWithHistory],
                            progress: Progress | None = None) -> list[int]:
        """Insert the features and their history rows, all in ONE transaction (the bulk path of
        sample loaders and of creating an item); returns the new fids in order."""

    @abstractmethod
    def history(self, layer: LayerDefinition, fid: int) -> list[HistoryRow]:
        """An item's steps in order, with geometries (an item without history: empty list)."""

    @abstractmethod
    def history_rows(self, selection: HistoryFilter) -> list[HistoryRow]:
        """Steps (creations included) taken within the filter's window, without geometry or values,
        ordered by time: what timeliness statistics are computed from."""

    @abstractmethod
    def sweep_overdue(self, layer: LayerDefinition, now: datetime) -> OverdueSweep:
        """Set `overdue` to (deadline < now and the state is not terminal) wherever it differs, in one
        transaction bumping each changed feature's version, the data version and the edit log."""

    @abstractmethod
    def put_attachment(self, layer: LayerDefinition, attachment: Attachment) -> Attachment:
        """Store an evidence file on an existing item (`FeatureNotFound` otherwise); returns it
        without its content."""

    @abstractmethod
    def attachments(self, layer: LayerDefinition, fid: int) -> list[Attachment]:
        """The item's attachments, oldest first, without content."""

    @abstractmethod
    def get_attachment(self, layer: LayerDefinition, fid: int, attachment_id: str) -> Attachment:
        """One attachment with its content; `AttachmentNotFound` if the item has none with that id."""

    # -- change tracking (the tile cache keys on it) -----------------------------------------
    # Every write above also appends to the layer's *edit log*, in the same transaction: one
    # entry per changed feature (the box of its old and its new geometry) for single-feature
    # writes, one entry per batch (the union box) for bulk writes. A layer id's data version never
    # goes back, not even across drop and re-register: a dropped layer leaves a whole-layer entry
    # and its successor starts from there. The log is pruned to about the last `EDIT_LOG_KEEP`
    # versions per layer, leaving one whole-layer entry at the horizon.

    @abstractmethod
    def instance_id(self) -> str:
        """An id that is new whenever this database's platform tables are created (again).

        Caches kept outside the store (tile files, Redis) key on it, so a database that is wiped and
        created again under the same URL never matches entries left by its predecessor.
        """

    @abstractmethod
    def layer_versions(self) -> dict[str, int]:
        """Every registered layer's current data version, in one cheap read."""

    @abstractmethod
    def edits_since(self, layer_id: str, data_version: int) -> list[Edit]:
        """The edit-log entries of a layer with a data version above `data_version`, oldest first.

        An entry with box None means "the whole layer": whatever was cached at `data_version` or
        earlier is void. An unknown layer gives an empty list.
        """

    def change_watch(self) -> ChangeWatch:
        """A new watch over this store's writes (close it when done). Default: always "changed"."""
        return AlwaysChanged()
