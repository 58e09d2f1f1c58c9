"""What the layers' data versions are now, and whether edits since an older version touch a tile.

`VersionBoard.current()` runs on every request. It asks the store's change watch (microseconds, no
round trip: LISTEN/NOTIFY on PostGIS, `PRAGMA data_version` on a GeoPackage, plus a counter of
this process's own writes) whether anything may have committed, and only then re-reads every
layer's data version (one small query). A failed re-read leaves the board marked stale, so the
next request reads again rather than trusting old numbers.

`EditHistory` keeps, per layer, the part of the store's edit log this process has fetched, as
numpy arrays, and extends it on demand; `touches(since, box)` tells whether any edit after a
version reaches a tile's box, or is a whole-layer edit.
"""

from __future__ import annotations

import threading

import numpy as np

from layers.stores.base import Edit, EditBox, FeatureStore

#: Most log rows one layer's history holds in memory; older ones are dropped (entries that old re-render).
MAX_ROWS = 200_000


class EditHistory:
    """Edits of one layer with data versions in (`since`, `upto`], fetched from the store."""

    def __init__(self, layer_id: str) -> None:
        self.layer_id = layer_id
        self.since = 0
        self.upto = -1  # nothing fetched yet
        self.versions = np.empty(0, dtype=np.int64)
        self.boxes = np.empty((0, 4), dtype=np.float64)  # NaN rows: whole-layer edits

    def _load(self, edits: list[Edit], since: int, upto: int, *, append: bool) -> None:
        versions = np.fromiter((version for version, _ in edits), dtype=np.int64, count=len(edits))
        boxes = np.array([box if box is not None else (np.nan,) * 4 for _, box in edits],
                         dtype=np.float64).reshape(-1, 4)
        if append:
            versions, boxes = np.concatenate([self.versions, versions]), np.concatenate([self.boxes, boxes])
        else:
            self.since = since
        self.versions, self.boxes = versions, boxes
        self.upto = max(upto, int(versions.max()) if versions.size else upto)
        if self.versions.size > MAX_ROWS:
            keep = self.versions.size - MAX_ROWS // 2
            self.since = int(self.versions[keep - 1])
            cut = np.searchsorted(self.versions, self.since, side="right")
            self.versions, self.boxes = self.versions[cut:], self.boxes[cut:]

    def cover(self, store: FeatureStore, since: int, upto: int) -> None:
        """Make sure every edit with a version in (since, upto] is held."""
        if self.upto < 0 or since < self.since:
            self._load(store.edits_since(self.layer_id, since), since, upto, append=False)
        elif upto > self.upto:
            self._load(store.edits_since(self.layer_id, self.upto), self.since, upto, append=True)

    def touches(self, since: int, box: EditBox) -> bool:
        """Whether an edit after version `since` is whole-layer or intersects `box`."""
        start = np.searchsorted(self.versions, since, side="right")
        boxes = self.boxes[start:]
        if boxes.size == 0:
            return False
        minx, miny, maxx, maxy = box
        whole = np.isnan(boxes[:, 0])
        hit = (boxes[:, 0] <= maxx) & (boxes[:, 2] >= minx) & (boxes[:, 1] <= maxy) & (boxes[:, 3] >= miny)
        return bool(np.any(whole | hit))


class VersionBoard:
    """Current data versions of every layer, refreshed when the store's change watch says so."""

    def __init__(self, store: FeatureStore) -> None:
        self.store = store
        self.watch = store.change_watch()
        self.versions: dict[str, int] = {}
        self.reads = 0  # how often versions were re-read (tests and benchmarks look)
        self._stale = True
        self._lock = threading.Lock()
        self._histories: dict[str, EditHistory] = {}
        self._history_lock = threading.Lock()

    def current(self) -> dict[str, int]:
        with self._lock:
            if self.watch.changed() or self._stale:
                self._stale = True
                self.versions = self.store.layer_versions()
                self.reads += 1
                self._stale = False
            return self.versions

    def peek(self) -> dict[str, int] | None:
        """The current versions when they are known without a query, else None (call `current()`,
        which re-reads them, from a thread). For callers on an event loop."""
        with self._lock:
            if self.watch.changed():
                self._stale = True
            return None if self._stale else self.versions

    def untouched(self, layer_id: str, since: int, now: int, box: EditBox) -> bool:
        """Whether no edit of the layer between data versions `since` and `now` reaches `box`."""
        if since == now:
            return True
        if since > now:
            return False
        with self._history_lock:
            history = self._histories.get(layer_id)
            if history is None:
                history = self._histories[layer_id] = EditHistory(layer_id)
            history.cover(self.store, since, now)
            return not history.touches(since, box)

    def close(self) -> None:
        self.watch.close()
