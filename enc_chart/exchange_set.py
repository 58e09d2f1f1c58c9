"""Which cells a path names, and each cell's update files, checked before anything is read.

`find_cells(path)` accepts a base cell (`NAME.000`; an update file `NAME.00N` stands for its base
cell), a folder (every `*.000` below it) or an exchange set's `CATALOG.031` (the base cells it
lists). For each base cell the update files are the `NAME.001`, `NAME.002` … beside it — the
files GDAL's `UPDATES=APPLY` applies — and `check_cell` proves them one unbroken sequence:
numbered 1, 2, 3 … without a gap, each update's DSID naming the same cell, the base cell's
edition (EDTN) and its own number (UPDN). Where a `CATALOG.031` lists a file with a checksum
(CRCS), the file must match it (`crc_problem`). Every problem raises a `ChartInputError` saying which file and
why, so nothing is stored.

May import: `enc_chart.iso8211`, `enc_chart.errors`.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from enc_chart.errors import ChartInputError, UpdateSequenceError
from enc_chart.iso8211 import CatalogueEntry, Dsid, read_catalogue, read_dsid

CATALOGUE = "CATALOG.031"
_NUMBERED = re.compile(r"^\.(\d{3})$")


@dataclass(frozen=True)
class CellFiles:
    """A base cell and the update files beside it, in number order (not yet checked)."""

    name: str  # the base file's stem, e.g. "5I7IN230"
    base: Path
    updates: tuple[Path, ...] = ()
    catalogue: Path | None = None  # the CATALOG.031 that listed the cell, if it came from one


@dataclass(frozen=True)
class CheckedCell:
    """A cell whose update sequence is proven: the DSID of the base file and of each update."""

    files: CellFiles
    base: Dsid
    updates: tuple[Dsid, ...]

    @property
    def last(self) -> Dsid:
        return self.updates[-1] if self.updates else self.base


def find_cells(path: Path) -> list[CellFiles]:
    """The cells `path` names, sorted by name; raises `ChartInputError` when it names none."""
    path = Path(path)
    if not path.exists():
        raise ChartInputError(f"路径不存在 / no such file or folder: {path}")
    if path.is_dir():
        bases = sorted((p for p in path.rglob("*") if p.suffix == ".000" and p.is_file()),
                       key=lambda p: (p.stem.upper(), str(p)))
        if not bases:
            raise ChartInputError(f"文件夹中没有海图单元（*.000）/ no chart cells (*.000) in {path}")
        return [cell_files(base) for base in bases]
    if path.name.upper() == CATALOGUE:
        return _from_catalogue(path)
    number = _number(path)
    if number is None:
        raise ChartInputError(f"不是 S-57 海图单元或 CATALOG.031 / not an S-57 cell (.000) or a CATALOG.031: {path}")
    base = path if number == 0 else _sibling(path.parent, path.stem + ".000")
    if base is None:
        raise UpdateSequenceError(f"更新文件 {path.name} 缺少基础单元 {path.stem}.000 / update {path.name} has no "
                                  f"base cell {path.stem}.000 beside it")
    return [cell_files(base)]


def cell_files(base: Path) -> CellFiles:
    """The base cell `base` and the numbered update files beside it, in number order.

    The stem must match exactly, as GDAL looks for `NAME.001` by replacing the base file's extension.
    """
    updates = sorted((p for p in base.parent.iterdir()
                      if p.is_file() and p.stem == base.stem and (_number(p) or 0) > 0),
                     key=lambda p: _number(p) or 0)
    return CellFiles(name=base.stem, base=base, updates=tuple(updates))


def check_cell(cell: CellFiles, *, apply_updates: bool = True, verify_crc: bool = True) -> CheckedCell:
    """Read the DSIDs and prove the update sequence; raises `ChartInputError` subclasses.

    `verify_crc=False` skips the catalogue checksums (the validator reads such cells to report on them).
    """
    if verify_crc:
        _check_crc(cell.base, cell.catalogue)
    base = read_dsid(cell.base)
    if not apply_updates or not cell.updates:
        return CheckedCell(cell, base, ())
    if base.update:
        raise UpdateSequenceError(
            f"{cell.base.name} 是重新发行的单元（UPDN={base.update}），不能再叠加 {cell.updates[0].name} 等更新文件 / "
            f"{cell.base.name} is a re-issue (UPDN={base.update}); applying {cell.updates[0].name} and later "
            "update files on top of it is not supported")
    checked: list[Dsid] = []
    for expected, update in enumerate(cell.updates, start=1):
        number = _number(update)
        if number != expected:
            missing = f"{cell.name}.{expected:03d}"
            raise UpdateSequenceError(
                f"更新序列不连续：缺少 {missing}，却有 {update.name} / update sequence broken: {missing} is missing "
                f"before {update.name} (updates must run 1, 2, 3 … without a gap)")
        if verify_crc:
            _check_crc(update, cell.catalogue)
        dsid = read_dsid(update)
        stem = dsid.dsnm.rsplit(".", 1)[0]
        if stem.upper() != cell.name.upper():
            raise UpdateSequenceError(f"{update.name} 属于另一个单元 {dsid.dsnm} / {update.name} updates another "
                                      f"cell ({dsid.dsnm}), not {cell.name}")
        if dsid.edition != base.edition:
            raise UpdateSequenceError(
                f"{update.name} 的版次 EDTN={dsid.edition} 与基础单元 {cell.base.name} 的 EDTN={base.edition} 不符 / "
                f"{update.name} is for edition {dsid.edition}, but the base cell {cell.base.name} is edition "
                f"{base.edition}")
        if dsid.update != expected:
            raise UpdateSequenceError(
                f"{update.name} 的更新号 UPDN={dsid.update}，应为 {expected} / {update.name} carries update number "
                f"UPDN={dsid.update}, expected {expected} (out of sequence)")
        checked.append(dsid)
    return CheckedCell(cell, base, tuple(checked))


def _from_catalogue(path: Path) -> list[CellFiles]:
    entries = _catalogue(path.resolve())
    bases = []
    for entry in entries:
        if not entry.file.upper().endswith(".000"):
            continue
        found = _sibling(path.parent, entry.file)
        if found is None:
            raise ChartInputError(f"交换集目录 {path} 列出的 {entry.file} 不存在 / {path.name} lists {entry.file}, "
                                  f"which is not in {path.parent}")
        bases.append(found)
    if not bases:
        raise ChartInputError(f"交换集目录没有列出海图单元 / {path} lists no chart cells (*.000)")
    return [replace(cell_files(base), catalogue=path) for base in sorted(bases, key=lambda p: p.stem.upper())]


def _catalogue(path: Path) -> tuple[CatalogueEntry, ...]:
    stat = path.stat()
    return _read_catalogue(path, stat.st_mtime_ns, stat.st_size)


@cache
def _read_catalogue(path: Path, _mtime: int, _size: int) -> tuple[CatalogueEntry, ...]:
    return tuple(read_catalogue(path))


def crc_problem(file: Path, catalogue: Path | None = None) -> str | None:
    """Why `file` does not match the checksum the exchange set's (else its folder's) CATALOG.031 gives
    for it ("中文 / English"), or None when it matches or no checksum is given."""
    catalogue = catalogue or _sibling(file.parent, CATALOGUE)
    if catalogue is None:
        return None
    for entry in _catalogue(catalogue.resolve()):
        if entry.file.rsplit("/", 1)[-1].upper() == file.name.upper() and entry.crc:
            actual = f"{zlib.crc32(file.read_bytes()):08X}"
            if actual == entry.crc:
                return None
            return (f"{file.name} 的校验和 {actual} 与 {CATALOGUE} 记录的 {entry.crc} 不符，文件已损坏或被改动 / "
                    f"{file.name} has checksum {actual} but {CATALOGUE} lists {entry.crc}: the file is corrupt or "
                    "was changed")
    return None


def _check_crc(file: Path, catalogue: Path | None) -> None:
    problem = crc_problem(file, catalogue)
    if problem is not None:
        raise ChartInputError(problem)


def _number(path: Path) -> int | None:
    match = _NUMBERED.match(path.suffix)
    return int(match.group(1)) if match else None


def _sibling(folder: Path, name: str) -> Path | None:
    """`folder/name`, matching the name without regard to case (exchange sets come from Windows)."""
    exact = folder / name
    if exact.is_file():
        return exact
    wanted = name.upper()
    if "/" in name:
        head, _, tail = name.rpartition("/")
        return _sibling(folder / head, tail) if (folder / head).is_dir() else None
    return next((p for p in folder.iterdir() if p.is_file() and p.name.upper() == wanted), None)
