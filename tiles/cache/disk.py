"""The disk tier: one file per tile under `<root>/<namespace>/<layer set>/<tms>/<z>/<row>/<col>.tile`.

Files are written to a temporary name in the same directory and renamed into place, so readers
(other workers, the seeder) see a whole tile or none, and an interrupted write leaves no tile.
Shared by every process on the host; bounded only by `onemap tiles clear`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tiles.cache.entry import CacheEntry, pack, unpack
from tiles.cache.keys import TileKey

SUFFIX = ".tile"


class DiskTier:
    name = "disk"

    def __init__(self, root: Path, namespace: str) -> None:
        self.base = root
        self.root = root / namespace

    def path(self, key: TileKey) -> Path:
        return self.root / key.layer_set / key.tms / str(key.z) / str(key.row) / f"{key.col}{SUFFIX}"

    def get(self, key: TileKey) -> CacheEntry | None:
        try:
            with open(self.path(key), "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        return unpack(data)

    def put(self, key: TileKey, entry: CacheEntry) -> None:
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{key.col}.", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(pack(entry))
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            return  # a full or read-only disk costs a re-render, never a failed request

    def clear(self, layer_ids: frozenset[str] | None = None) -> int:
        """Remove this namespace's tiles (only layer sets holding one of `layer_ids`, if given)."""
        if not self.root.is_dir():
            return 0
        removed = 0
        for child in self.root.iterdir():
            if not child.is_dir() or child.name.startswith("."):
                continue
            if layer_ids is not None and not layer_ids & set(child.name.split("~", 1)[0].split("+")):
                continue
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
        return removed
