"""Cache keys: which layers (and which definition of each), which tile.

A *layer set* names the layers of a tile in order plus a fingerprint of their definitions and of
the tile-building code (`tiles/plan.py`, `tiles/model.py`, `tiles/renderers/*.py`,
`layers/model.py`), so a redefined layer or a new release never meets tiles made by the old one.
The fingerprint is computed once per definition object (`LayerSets.of` is on every request).
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import NamedTuple

from layers.model import LayerDefinition
from tiles.model import TileAddress

#: Longest readable layer-set name; longer sets are named by their hash alone.
MAX_NAME = 96
_MEMO_LIMIT = 4096
_ROOT = Path(__file__).resolve().parents[2]
_CODE = ("tiles/plan.py", "tiles/model.py", "tiles/matrix_sets.py", "layers/model.py")


class TileKey(NamedTuple):
    layer_set: str
    tms: str
    z: int
    row: int
    col: int

    @classmethod
    def of(cls, layer_set: str, address: TileAddress) -> TileKey:
        return cls(layer_set, address.tms, address.z, address.row, address.col)


@cache
def code_fingerprint() -> bytes:
    """A hash of the code that decides what a tile holds."""
    digest = hashlib.blake2b(digest_size=16)
    files = [_ROOT / name for name in _CODE]
    files.extend(sorted((_ROOT / "tiles" / "renderers").glob("*.py")))
    for path in files:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.digest()


def layer_set_name(layers: Sequence[LayerDefinition]) -> str:
    digest = hashlib.blake2b(code_fingerprint(), digest_size=8)
    for layer in layers:
        digest.update(layer.model_dump_json().encode())
        digest.update(b"\0")
    fingerprint = digest.hexdigest()
    readable = "+".join(layer.id for layer in layers)
    if len(readable) > MAX_NAME:
        return f"set-{fingerprint}"
    return f"{readable}~{fingerprint}"


class LayerSets:
    """Layer-set names and layer ids of layer lists, memoized by the identity of the definitions."""

    def __init__(self) -> None:
        self._memo: dict[tuple[int, ...], tuple[tuple[LayerDefinition, ...], str, tuple[str, ...]]] = {}

    def of(self, layers: Sequence[LayerDefinition]) -> tuple[str, tuple[str, ...]]:
        identity = tuple(map(id, layers))
        known = self._memo.get(identity)
        if known is not None and all(map(operator.is_, known[0], layers)):
            return known[1], known[2]
        held = tuple(layers)
        name, ids = layer_set_name(held), tuple(layer.id for layer in held)
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        self._memo[identity] = (held, name, ids)  # holding the layers keeps their ids unique
        return name, ids
