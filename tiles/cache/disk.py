"""The disk tier: one file per tile under `<root>/<namespace>/<layer set>/<tms>/<z>/<row>/<col>.tile`.

Files are written to a temporary name in the same directory and renamed into place, so readers
(other workers, the seeder) see a whole tile or none, and an interrupted write leaves no tile.
Shared by every process on the host; bounded only by `onemap tiles clear`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path

from tiles.cache.entry import CacheEntry, pack, unpack
from tiles.cache.keys import TileKey

SUFFIX = ".tile"
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


class DiskTier:
    name = "disk"

    def __init__(self, root: Path, namespace: str) -> None:
        self.base = root
        self.root = root / namespace
        self._root = str(self.root)

    def path(self, key: TileKey) -> Path:
        return Path(self._file(key))

    def _file(self, key: TileKey) -> str:
        return f"{self._root}/{key.layer_set}/{key.tms}/{key.z}/{key.row}/{key.col}{SUFFIX}"

    def get(self, key: TileKey) -> CacheEntry | None:
        try:
            with open(self._file(key), "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        return unpack(data)

    def put(self, key: TileKey, entry: CacheEntry) -> None:
        """Write the tile to a temporary name (one per process and thread: a thread writes one tile at a
        time) and rename it into place. Directories are created when the first write finds none."""
        path = self._file(key)
        directory = path.rpartition("/")[0]
        temporary = f"{directory}/.{key.col}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            try:
                handle = os.open(temporary, _WRITE_FLAGS, 0o644)
            except FileNotFoundError:
                os.makedirs(directory, exist_ok=True)
                handle = os.open(temporary, _WRITE_FLAGS, 0o644)
            try:
                data = memoryview(pack(entry))
                while data:
                    data = data[os.write(handle, data):]
            finally:
                os.close(handle)
            os.replace(temporary, path)
        except OSError:  # a full or read-only disk costs a re-render, never a failed request
            with contextlib.suppress(OSError):
                os.unlink(temporary)

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
