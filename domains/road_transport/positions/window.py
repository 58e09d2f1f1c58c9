"""`PositionWindow`: the reads of recent positions the rules woken by one batch share.

Each rule asks for the positions of some vehicles over a time range; a read that an earlier one
covers (same or fewer vehicles, narrower range) is answered from memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from domains.road_transport.positions.batch import MINUTE_MS, PositionBatch
from domains.road_transport.positions.store import PositionStore, position_store
from layers.stores.base import FeatureStore

#: How far before a batch every rule looks: the longest report gap an entry into a zone is judged
#: over (10 min) and the evidence before it (2 min); speeding needs 6 min, fatigue a driving state.
LOOKBACK_MS = 12 * MINUTE_MS


class PositionWindow:
    def __init__(self, positions: PositionStore, batch: PositionBatch) -> None:
        self.positions = positions
        self.batch = batch.sorted()
        self._reads: list[tuple[frozenset[str], int, int, PositionBatch]] = []

    @classmethod
    def of(cls, payload: Mapping[str, Any], store: FeatureStore) -> PositionWindow:
        """The window an event carries, or a new one over its batch."""
        window = payload.get("window")
        if isinstance(window, PositionWindow):
            return window
        return cls(position_store(store), payload["batch"])

    def first_times(self) -> dict[str, int]:
        """Each vehicle's earliest time in the batch."""
        starts = self.batch.group_starts()
        return {str(self.batch.plate[i]): int(self.batch.t[i]) for i in starts.tolist()}

    def read(self, plates: Sequence[str], start_ms: int, end_ms: int) -> PositionBatch:
        """Stored positions of these vehicles with start ≤ time ≤ end, sorted by plate and time."""
        wanted = frozenset(plates)
        for have, start, end, data in self._reads:
            if wanted <= have and start <= start_ms and end_ms <= end:
                keep = (data.t >= start_ms) & (data.t <= end_ms)
                if wanted != have:
                    keep &= np.isin(data.plate.astype(str), np.array(sorted(wanted)))
                return data.take(keep)
        data = self.positions.read(sorted(wanted), start_ms, end_ms)
        self._reads.append((wanted, start_ms, end_ms, data))
        return data

    def recent(self, plates: Sequence[str] | None = None) -> PositionBatch:
        """The batch's vehicles (or some of them) from `LOOKBACK_MS` before the batch to its end."""
        low, high = self.batch.time_span()
        return self.read(self.batch.distinct_plates() if plates is None else plates, low - LOOKBACK_MS, high)
