"""Audit records of data leaving the platform: exports and offline-package builds.

Each is appended (in its own transaction) when the file is complete, with who (the current actor of
`audit_context`), what (layers, format, area, how many features or tiles) and the SHA-256 of every
file produced, so a file found elsewhere can be traced to the export that made it.
May import: the standard library, this package, `layers.stores` (to open the store of a build).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from layers.protect.audit import AuditTrail
from layers.protect.audit_chain import AuditRecord, canonical_json
from layers.protect.audit_context import current_actor

_READ = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_READ):
            digest.update(chunk)
    return digest.hexdigest()


def _files(paths: Iterable[Path]) -> dict[str, str]:
    return {path.name: file_sha256(path) for path in sorted(paths) if path.is_file()}


def record_export(store: Any, *, layer_id: str, fmt: str, srid: int, features: int, paths: Sequence[Path],
                  secret_fields: Sequence[str] = ()) -> AuditRecord:
    """The `export` record of a finished export of one layer (`paths`: every file it wrote)."""
    actor = current_actor()
    detail: dict[str, Any] = {"layer": layer_id, "format": fmt, "srid": int(srid), "features": int(features),
                              "files": _files(paths), "path": str(paths[0]) if paths else None,
                              "via": actor.detail()}
    if secret_fields:
        detail["secret_fields"] = list(secret_fields)  # exported in clear: who took them matters
    return AuditTrail(store).append(actor.name, "export", f"layer:{layer_id}", detail)


def record_package_build(database_url: str, *, path: Path, manifest: Any) -> AuditRecord:
    """The `package_build` record of a finished offline package (`manifest`: its
    `tiles.packages.manifest.Manifest`), in the trail of the store `database_url` names."""
    from layers.stores import open_store

    actor = current_actor()
    area = manifest.area or {}
    geometry = area.get("geometry") or {}
    detail = {"package_id": manifest.package_id, "kind": manifest.kind, "format": manifest.format,
              "layers": {layer.id: layer.data_version for layer in manifest.layers},
              "zooms": [int(z) for z in manifest.zooms],
              "area": {"name": area.get("name"), "bbox": area.get("bbox"),
                       "sha256": hashlib.sha256(canonical_json(geometry).encode("utf-8")).hexdigest()},
              "tiles": int(manifest.tile_count), "builder": manifest.builder,
              "fieldwork": manifest.fieldwork is not None, "path": str(path), "sha256": file_sha256(path),
              "via": actor.detail()}
    store = open_store(database_url)
    try:
        return AuditTrail(store).append(actor.name, "package_build", f"package:{manifest.package_id}", detail)
    finally:
        store.close()
