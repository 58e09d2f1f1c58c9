"""Reading a package's manifest and checking the package against it.

`read_manifest(path)` opens the package (`container.open_package`: PackageError for anything that is
not a whole package) and parses its `manifest.json`. `verify_package(path)` recomputes the hash of
the tiles and of every file part and lists what differs — a part missing, added, or altered — so a
damaged or tampered package is refused before its tiles are served or its edits synced.
"""

from __future__ import annotations

from pathlib import Path

from tiles.packages.container import PackageError, PackageReader, open_package
from tiles.packages.manifest import MANIFEST_PART, Manifest, sha256
from tiles.packages.workfile import tiles_digest


def manifest_of(reader: PackageReader) -> Manifest:
    data = reader.file(MANIFEST_PART)
    if data is None:
        raise PackageError(f"离线包缺少清单 / the package has no {MANIFEST_PART}: {reader.path}")
    try:
        return Manifest.from_bytes(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise PackageError(f"离线包清单无法解析 / the package's manifest cannot be read: {exc}") from None


def read_manifest(path: Path) -> Manifest:
    with open_package(path) as reader:
        return manifest_of(reader)


def problems_of(reader: PackageReader, manifest: Manifest) -> list[str]:
    problems = []
    expected = dict(manifest.parts)
    tiles_hash = expected.pop("tiles", None)
    if tiles_hash is not None and tiles_digest(reader.tiles()) != tiles_hash:
        problems.append("瓦片与清单不符 / the tiles do not match the manifest")
    if reader.tile_count() != manifest.tile_count:
        problems.append(f"瓦片数 {reader.tile_count()} 与清单的 {manifest.tile_count} 不符 / tile count differs")
    present = set(reader.files()) - {MANIFEST_PART}
    for name, digest in sorted(expected.items()):
        data = reader.file(name)
        if data is None:
            problems.append(f"缺少部件 / missing part: {name}")
        elif sha256(data) != digest:
            problems.append(f"部件已被改动 / altered part: {name}")
    for name in sorted(present - set(expected)):
        problems.append(f"清单外的部件 / part not in the manifest: {name}")
    return problems


def verify_package(path: Path) -> list[str]:
    with open_package(path) as reader:
        return problems_of(reader, manifest_of(reader))


__all__ = ["manifest_of", "problems_of", "read_manifest", "verify_package"]
