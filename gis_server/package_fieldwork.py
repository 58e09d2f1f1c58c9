"""Field work in offline packages, for the CLI and the API alike: the assigned items of a person as
the package part `fieldwork/items.gpkg`, taking that part out for a field app, and syncing a returned
file (the package itself, or the GeoPackage taken out of it) through `domains.fieldwork`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from domains.fieldwork import SyncReport, field_items, sync_field_gpkg, write_field_gpkg
from domains.workflow import Actor
from layers.model import LayerDefinition
from layers.stores.base import FeatureStore
from tiles.packages.build import BuildRequest
from tiles.packages.container import PackageError, open_package
from tiles.packages.manifest import new_package_id

FIELD_PART = "fieldwork/items.gpkg"


def with_fieldwork(request: BuildRequest, store: FeatureStore, registered: Sequence[LayerDefinition],
                   actor: Actor) -> BuildRequest:
    """The request carrying `actor`'s open items inside the package's area as an editable GeoPackage."""
    package_id = request.package_id or new_package_id()
    items = field_items(store, list(registered), actor, area=request.area.geometry)
    with tempfile.TemporaryDirectory(prefix="onemap-field-") as scratch:
        path = Path(scratch) / "items.gpkg"
        summary: dict[str, Any] = dict(write_field_gpkg(items, path, package_id=package_id, actor=actor))
        data = path.read_bytes()
    return replace(request, package_id=package_id, extra_parts={**request.extra_parts, FIELD_PART: data},
                   fieldwork={**summary, "part": FIELD_PART})


def take_items(package: Path, out: Path) -> Path:
    """Write a package's field-work GeoPackage to `out` (for a field app); PackageError if it has none."""
    with open_package(package) as reader:
        data = reader.file(FIELD_PART)
    if data is None:
        raise PackageError(f"离线包中没有现场作业数据 / the package carries no field work: {package}")
    out.write_bytes(data)
    return out


def sync_file(path: Path, store: FeatureStore, registered: Sequence[LayerDefinition], actor: Actor) -> SyncReport:
    """Sync a returned file: a package (its field-work part) or the field-work GeoPackage itself."""
    try:
        with open_package(path) as reader:
            data = reader.file(FIELD_PART)
    except PackageError:
        return sync_field_gpkg(path, store, list(registered), actor)
    if data is None:
        raise PackageError(f"离线包中没有现场作业数据 / the package carries no field work: {path}")
    with tempfile.TemporaryDirectory(prefix="onemap-sync-") as scratch:
        items = Path(scratch) / "items.gpkg"
        items.write_bytes(data)
        return sync_field_gpkg(items, store, list(registered), actor)


__all__ = ["FIELD_PART", "sync_file", "take_items", "with_fieldwork"]
