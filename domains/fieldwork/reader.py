"""Reading a field package back, trusting nothing: every check runs before sync writes anything.

In order: the file is an SQLite database with the GeoPackage application id, not shorter than its
header says (a truncated upload), passes SQLite's `quick_check`; it has the `package`, `edits` and
`transitions` tables and one item table per layer the package names, each with `fid` and
`server_version`; the package row is whole; every edit row is well-formed and names an item of the
package. Any failure is one `FieldworkError` (Chinese first) listing what is wrong. The file is
opened read-only and never changed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from shapely.geometry.base import BaseGeometry

from domains.fieldwork.edits import FieldEdit, parse_edit
from domains.fieldwork.errors import FieldworkError
from domains.fieldwork.layout import (
    EDIT_COLUMNS,
    EDITS_TABLE,
    FID_COLUMN,
    FORMAT_VERSION,
    GPKG_APPLICATION_ID,
    PACKAGE_COLUMNS,
    PACKAGE_TABLE,
    PLATFORM_TABLES,
    VERSION_COLUMN,
)
from layers.stores.geopackage.geometry import decode

SQLITE_MAGIC = b"SQLite format 3\x00"
#: Problems listed in one error message at most.
LISTED = 10


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """The package row: whose package, from which server, built when, with which layers."""

    package_id: str
    user: str
    roles: tuple[str, ...]
    built_at: datetime
    server_instance: str
    layers: tuple[str, ...]
    display_name: str | None = None
    organisation: str | None = None


@dataclass(frozen=True, slots=True)
class FieldPackage:
    info: PackageInfo
    #: (layer id, fid) → the item's feature version when the package was built.
    versions: dict[tuple[str, int], int]
    #: (layer id, fid) → the item's geometry as exported (lon/lat), None if the app emptied it.
    geometries: dict[tuple[str, int], BaseGeometry | None]
    #: The edits in recorded order (time, then the order they were appended in).
    edits: tuple[FieldEdit, ...] = field(default=())


def read_package(path: Path | str) -> FieldPackage:
    """Check and read a field package (see the module docstring); `FieldworkError` if it is not sound."""
    target = Path(path)
    _check_file(target)
    try:
        with closing(sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            conn.row_factory = sqlite3.Row
            return _read(conn)
    except sqlite3.DatabaseError as exc:
        raise FieldworkError(f"离线包已损坏，无法读取 / the field package is corrupted: {exc}") from exc


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise FieldworkError(f"离线包不存在 / no such field package: {path}")
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise FieldworkError(f"不是 GeoPackage 文件 / not a GeoPackage: {path.name}")
    if int.from_bytes(header[68:72], "big") != GPKG_APPLICATION_ID:
        raise FieldworkError(f"不是 GeoPackage 文件（缺少 GeoPackage 标识）/ an SQLite database but not a "
                             f"GeoPackage: {path.name}")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    header_valid = header[24:28] == header[92:96] and pages > 0
    if page_size < 512 or size % page_size or (header_valid and pages * page_size > size):
        expected = f"{pages * page_size} 字节" if header_valid else "整页"
        raise FieldworkError(f"离线包不完整（应为 {expected}，实际 {size} 字节），可能传输中断 / the field package is "
                             f"truncated ({size} bytes); send it again")


def _read(conn: sqlite3.Connection) -> FieldPackage:
    check = [row[0] for row in conn.execute("PRAGMA quick_check")]
    if check != ["ok"]:
        raise FieldworkError(f"离线包已损坏 / the field package is corrupted: {'; '.join(map(str, check[:3]))}")
    existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    contents = {row["table_name"]: row["data_type"] for row in conn.execute(
        "SELECT table_name, data_type FROM gpkg_contents") if row["table_name"] in existing}
    missing = [name for name in PLATFORM_TABLES if name not in contents]
    if missing:
        raise FieldworkError(f"离线包缺少数据表 {'、'.join(missing)} / the field package lacks tables: "
                             f"{', '.join(missing)}")
    info = _package_info(conn)
    versions, geometries = _items(conn, info, contents)
    edits = _edits(conn, info, versions)
    return FieldPackage(info=info, versions=versions, geometries=geometries, edits=edits)


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {str(row["name"]) for row in conn.execute(f'PRAGMA table_info("{table}")')}


def _require_columns(conn: sqlite3.Connection, table: str, needed: tuple[str, ...]) -> None:
    missing = [name for name in needed if name not in _columns(conn, table)]
    if missing:
        raise FieldworkError(f"数据表 {table} 缺少字段 {'、'.join(missing)} / table {table} lacks columns "
                             f"{', '.join(missing)}")


def _string_list(value: Any) -> tuple[str, ...] | None:
    try:
        loaded = orjson.loads(value) if isinstance(value, str | bytes) else None
    except orjson.JSONDecodeError:
        return None
    if not isinstance(loaded, list) or not all(isinstance(item, str) for item in loaded):
        return None
    return tuple(loaded)


def _package_info(conn: sqlite3.Connection) -> PackageInfo:
    _require_columns(conn, PACKAGE_TABLE, PACKAGE_COLUMNS)
    quoted = ", ".join(f'"{name}"' for name in PACKAGE_COLUMNS)
    rows = conn.execute(f"SELECT {quoted} FROM {PACKAGE_TABLE}").fetchall()
    if len(rows) != 1:
        raise FieldworkError(f"离线包信息表应有且只有一行（实有 {len(rows)} 行）/ the package table must hold "
                             f"exactly one row ({len(rows)} found)")
    row: Mapping[str, Any] = dict(zip(PACKAGE_COLUMNS, rows[0], strict=True))
    if row["format_version"] != FORMAT_VERSION:
        raise FieldworkError(f"不支持的离线包格式版本 {row['format_version']} / unsupported package format version "
                             f"{row['format_version']!r} (this server reads {FORMAT_VERSION})")
    roles, layers = _string_list(row["roles"]), _string_list(row["layers"])
    built_at = _instant(row["built_at"])
    texts = [row[name] for name in ("package_id", "user", "server_instance")]
    if roles is None or layers is None or built_at is None or not all(isinstance(t, str) and t for t in texts):
        raise FieldworkError("离线包信息不完整（package 表）/ the package row is incomplete or malformed")
    return PackageInfo(package_id=row["package_id"], user=row["user"], roles=roles, built_at=built_at,
                       server_instance=row["server_instance"], layers=layers,
                       display_name=row["display_name"] if isinstance(row["display_name"], str) else None,
                       organisation=row["organisation"] if isinstance(row["organisation"], str) else None)


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _items(conn: sqlite3.Connection, info: PackageInfo, contents: dict[str, str]
           ) -> tuple[dict[tuple[str, int], int], dict[tuple[str, int], BaseGeometry | None]]:
    versions: dict[tuple[str, int], int] = {}
    geometries: dict[tuple[str, int], BaseGeometry | None] = {}
    for layer_id in info.layers:
        if contents.get(layer_id) != "features":
            raise FieldworkError(f"离线包缺少事项图层 {layer_id} / the field package lacks the item table {layer_id!r}")
        _require_columns(conn, layer_id, (FID_COLUMN, VERSION_COLUMN))
        column = conn.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                              (layer_id,)).fetchone()
        geom = f'"{column[0]}"' if column else "NULL"
        for fid, version, blob in conn.execute(f'SELECT "{FID_COLUMN}", "{VERSION_COLUMN}", {geom} FROM "{layer_id}"'):
            if not isinstance(fid, int) or not isinstance(version, int):
                raise FieldworkError(f"事项图层 {layer_id} 的 fid 或 server_version 不是整数 / fid and server_version "
                                     f"of {layer_id!r} must be integers")
            versions[(layer_id, fid)] = version
            geometries[(layer_id, fid)] = _geometry(blob)
    return versions, geometries


def _geometry(blob: Any) -> BaseGeometry | None:
    if not isinstance(blob, bytes) or not blob:
        return None
    try:
        return decode(blob)
    except Exception:  # a geometry the app broke: the server's own is used instead
        return None


def _edits(conn: sqlite3.Connection, info: PackageInfo, versions: dict[tuple[str, int], int]) -> tuple[FieldEdit, ...]:
    _require_columns(conn, EDITS_TABLE, EDIT_COLUMNS)
    problems: list[str] = []
    edits: list[FieldEdit] = []
    seen: set[str] = set()
    cursor = conn.execute(f"SELECT {', '.join(EDIT_COLUMNS)} FROM {EDITS_TABLE} ORDER BY id")
    for raw in cursor:
        edit, wrong = parse_edit(dict(zip(EDIT_COLUMNS, raw, strict=True)))
        problems.extend(wrong)
        if edit is None:
            continue
        where = f"edits 第 {edit.row} 行 / edits row {edit.row}"
        if edit.edit_id in seen:
            problems.append(f"{where}: edit_id 重复 / edit_id repeats")
        seen.add(edit.edit_id)
        if (edit.layer_id, edit.fid) not in versions:
            item = f"{edit.layer_id}/{edit.fid}"
            problems.append(f"{where}: 离线包中没有事项 {item} / no item {item} in this package")
        edits.append(edit)
    if problems:
        extra = len(problems) - LISTED
        more = f"（另有 {extra} 处）/ (and {extra} more)" if extra > 0 else ""
        raise FieldworkError("现场记录有误，未同步任何内容 / bad edit rows, nothing was synced: "
                             + "; ".join(problems[:LISTED]) + more)
    return tuple(sorted(edits, key=lambda e: e.sort_key))
