"""A package's manifest (`manifest.json`, a part of every package and patch).

What it holds: the package id, format, area (name, box, polygon), zooms, the layers with the data
version each was built from, the tile count, the sha256 of every part (`tiles`: `workfile.tiles_digest`
over all tiles; each file part by name), when and by whom it was built. A patch's manifest also names
the package it updates (`base`) and lists the tiles it deletes. `verify(reader)` recomputes every hash.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from layers.model import LayerDefinition
from tiles.packages.plan import TMS

MANIFEST_PART = "manifest.json"
GENERATOR = "OneMap 吉林省交通地理信息平台"


@dataclass(frozen=True)
class PackageLayer:
    id: str
    title_zh: str
    title_en: str
    data_version: int
    min_zoom: int
    max_zoom: int

    @classmethod
    def of(cls, layer: LayerDefinition, version: int) -> PackageLayer:
        return cls(layer.id, layer.title_zh, layer.title_en, version, layer.min_zoom, layer.max_zoom)


@dataclass(frozen=True)
class Manifest:
    package_id: str
    kind: str  # "package" or "patch"
    format: str
    area: dict[str, Any]
    zooms: list[int]
    layers: list[PackageLayer]
    tile_count: int
    parts: dict[str, str]
    built_at: str
    builder: str
    tms: str = TMS
    generator: str = GENERATOR
    #: A patch: the package id it applies to, and the tiles (z, x, y) it removes.
    base: str | None = None
    deleted: list[list[int]] = field(default_factory=list)
    #: Field work carried by the package (assigned items), if any.
    fieldwork: dict[str, Any] | None = None

    @property
    def versions(self) -> dict[str, int]:
        return {layer.id: layer.data_version for layer in self.layers}

    def to_bytes(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2)

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        raw = orjson.loads(data)
        raw["layers"] = [PackageLayer(**layer) for layer in raw["layers"]]
        return cls(**raw)


def new_package_id() -> str:
    return uuid.uuid4().hex


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


__all__ = ["GENERATOR", "MANIFEST_PART", "Manifest", "PackageLayer", "new_package_id", "now_text", "sha256"]
