"""Where positions are kept: one `PositionStore` per feature store, reached through the store's engine.

Positions are not features of a layer: millions a day, written in batches, read back by vehicle and
time window. Each feature store kind has its own table and SQL (`postgis.py`: a table partitioned
by China-time day, COPY; `geopackage.py`: a plain table in the same file). `position_store` picks
the one for a `FeatureStore` and keeps it for the store's lifetime.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from domains.road_transport.positions.batch import PositionBatch
from layers.errors import StoreUnavailable
from layers.stores.base import FeatureStore

#: The tables' names in both stores.
TABLE = "rt_positions"
STATE_TABLE = "rt_driving_state"


@dataclass(frozen=True, slots=True)
class WriteResult:
    #: Rows new to the store.
    stored: int
    #: Rows whose (plate, time) was already stored, or repeated inside the batch: ignored.
    duplicates: int


@dataclass(frozen=True, slots=True)
class DrivingState:
    """A vehicle as of its latest evaluated report (`last_ms`): the start of the driving stretch it is
    in (None when it is resting) and of the idle spell it is in (None when it is moving). Carried from
    one batch's evaluation to the next (fatigue)."""

    last_ms: int
    stretch_start_ms: int | None
    idle_since_ms: int | None = None


class PositionStore(Protocol):
    kind: str

    def write(self, batch: PositionBatch) -> WriteResult:
        """Store the batch in one transaction; rows already stored (same plate and time) are ignored."""
        ...

    def read(self, plates: Sequence[str], start_ms: int, end_ms: int) -> PositionBatch:
        """The positions of these vehicles with start ≤ time ≤ end, sorted by plate then time."""
        ...

    def counts(self, start_ms: int, end_ms: int) -> dict[str, int]:
        """Positions per plate with start ≤ time < end."""
        ...

    def delete_between(self, start_ms: int, end_ms: int) -> int:
        """Remove every position with start ≤ time < end; how many went."""
        ...

    def read_states(self, plates: Sequence[str]) -> dict[str, DrivingState]:
        """The driving states kept for these vehicles."""
        ...

    def write_states(self, states: Mapping[str, DrivingState]) -> None:
        """Keep these states, except where a stored one is already later (`last_ms`)."""
        ...


_OPENED: weakref.WeakKeyDictionary[FeatureStore, PositionStore] = weakref.WeakKeyDictionary()


def position_store(store: FeatureStore) -> PositionStore:
    """The position store living beside a feature store (same database or file)."""
    found = _OPENED.get(store)
    if found is not None:
        return found
    if store.kind == "postgis":
        from domains.road_transport.positions.postgis import PostgisPositions
        from layers.stores.postgis import PostgisStore

        assert isinstance(store, PostgisStore)
        found = PostgisPositions(store.engine)
    elif store.kind == "geopackage":
        from domains.road_transport.positions.geopackage import GeoPackagePositions
        from layers.stores.geopackage import GeoPackageStore

        assert isinstance(store, GeoPackageStore)
        found = GeoPackagePositions(store.engine)
    else:
        raise StoreUnavailable(f"此数据存储不支持车辆位置 / store kind {store.kind!r} cannot keep positions")
    _OPENED[store] = found
    return found
