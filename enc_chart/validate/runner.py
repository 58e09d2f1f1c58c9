"""Running every check on a cell (`validate_cell`) or on cells on disk (`validate_path`).

`validate_cell(cell, path=…)` runs the checks on the `Cell` (coverage, depths, soundings,
clearance, mandatory attributes and meta objects, geometry) and, when the cell's S-57 file is
known (`path`, else `cell.info.path`), the file-level checks (area rings as encoded, update
sequence, data-set parameters). `validate_path(path)` reads a cell file, an exchange set
(CATALOG.031) or a folder of cells; a cell that cannot be read gives one OM-READ finding naming
the cell and the reader's reason instead of an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import shapely

from enc_chart.cell import Cell
from enc_chart.errors import ChartInputError, CorruptCellError
from enc_chart.exchange_set import CellFiles, CheckedCell, find_cells
from enc_chart.iso8211 import read_dsid
from enc_chart.validate import (
    clearance,
    coverage,
    dataset,
    depths,
    geometry,
    identity,
    mandatory,
    topology,
    updates,
)
from enc_chart.validate.encoded import Encoded, read_encoded
from enc_chart.validate.finding import CHECKS, Finding, finding
from enc_chart.validate.source import s57_updates
from enc_chart.validate.updates import split_message

CELL_CHECKS: tuple[Callable[[Cell], list[Finding]], ...] = (
    mandatory.check_meta_objects, coverage.check_coverage, depths.check_soundings, geometry.check_geometry,
    identity.check_identifiers)
#: Checks that also read which attributes the file encodes with an empty value (see `encoded`).
ENCODED_CHECKS: tuple[Callable[[Cell, Encoded | None], list[Finding]], ...] = (
    depths.check_depth_ranges, clearance.check_clearance, mandatory.check_mandatory)
_TOPOLOGY_IDS = {"14", "15", "16", "17", "80a", "80b", "80c"}
_GEOMETRY_IDS = {"12", "OM-GEOM-INVALID"}


def _cell_point(cell: Cell) -> tuple[float, float] | None:
    """Where a finding about the whole data set is placed: a point of the cell's coverage."""
    frame = cell.layers.get("M_COVR")
    geoms = [g for g in frame.geometry if g is not None and not g.is_empty] if frame is not None else []
    if not geoms:
        geoms = [g for f in cell.layers.values() if "geometry" in f for g in f.geometry if g is not None]
    if not geoms:
        return None
    point = shapely.point_on_surface(shapely.make_valid(shapely.union_all(shapely.envelope(geoms))))
    return (point.x, point.y)


def _file_checks(source: Path, cell: Cell) -> list[Finding]:
    applied = bool(cell.info.updates_applied)
    out = []
    checks: tuple[Callable[[], list[Finding]], ...] = (
        lambda: dataset.check_dataset_parameters(source),
        lambda: topology.check_topology(source, apply_updates=applied),
        lambda: updates.check_update_files(source))
    for check in checks:
        try:
            out += check()
        except Exception as exc:  # GDAL refuses a record: report, do not crash the run
            out.append(read_failure(source, exc, during="文件级检查 / the file-level checks"))
    return out


def _encoded(source: Path | None, cell: Cell) -> Encoded | None:
    if source is None:
        return None
    try:
        return read_encoded(source, cell.info.updates_applied)
    except ChartInputError:
        return None  # a structure fault: the reader reports it


def validate_cell(cell: Cell, *, path: Path | None = None) -> list[Finding]:
    """Every finding of every check on `cell`, errors first."""
    given = path or cell.info.path
    source = Path(given) if given is not None and Path(given).exists() else None
    encoded = _encoded(source, cell)
    found: list[Finding] = []
    for check in CELL_CHECKS:
        found += check(cell)
    for encoded_check in ENCODED_CHECKS:
        found += encoded_check(cell, encoded)
    if source is not None:
        file_findings = _file_checks(source, cell)
        # One fault, one finding: an area whose encoded rings are reported needs no "invalid"/"no geometry" too.
        by_rings = {(f.object_class, f.rcid) for f in file_findings if f.check_id in _TOPOLOGY_IDS}
        found = [f for f in found if not (f.check_id in _GEOMETRY_IDS and (f.object_class, f.rcid) in by_rings)]
        found += file_findings
    else:
        found += updates.check_applied(cell.info)
    where = _cell_point(cell) if any(f.lon is None for f in found) else None
    placed = [f if f.lon is not None or where is None else replace(f, lon=where[0], lat=where[1]) for f in found]
    return sort_findings([f.in_cell(cell.info.name) for f in placed])


def sort_findings(found: list[Finding]) -> list[Finding]:
    order = list(CHECKS)
    return sorted(found, key=lambda f: (f.severity != "error", f.cell or "", order.index(f.check_id),
                                        f.object_class or "", f.rcid or 0))


def read_failure(path: Path, exc: BaseException, *, during: str | None = None) -> Finding:
    """OM-READ naming the cell, the file and the reason (for `during` "中文 / English": in that step)."""
    reason = (getattr(exc, "message", None) or str(exc)).strip() or type(exc).__name__
    zh, en = split_message(reason)
    step_zh, step_en = split_message(during) if during else ("", "")
    return finding("OM-READ", f"{step_zh + '中' if during else ''}无法读取图幅 {path.stem}（{path.name}）：{zh}",
                   f"cell {path.stem} ({path.name}) cannot be read{' for ' + step_en if during else ''}: {en}",
                   ).in_cell(path.stem)


def _read(files: CellFiles, read: Callable[..., Cell] | None) -> Cell:
    """The cell with its updates; when the exchange-set rules refuse it (update sequence, checksum),
    the base cell alone, so that its content is still validated (the file checks report the refusal)."""
    from enc_chart import reader

    try:
        return (read or reader.read_cell)(files.base)
    except CorruptCellError:
        raise
    except ChartInputError:
        with s57_updates(False):
            if read is not None:
                return read(files.base, apply_updates=False)
            return reader.read_checked(CheckedCell(files, read_dsid(files.base), ()), apply_updates=False)


def validate_path(path: Path, read: Callable[..., Cell] | None = None) -> list[Finding]:
    """Findings for every cell `path` names (a .000, a folder, a CATALOG.031: `exchange_set.find_cells`).

    `read` defaults to `enc_chart.reader.read_cell`. A cell the exchange-set rules refuse (broken
    update sequence, checksum mismatch) is validated without its updates, the refusal being a
    finding; a cell that cannot be read at all is one OM-READ finding. Raises `ChartInputError`
    when `path` names no cell.
    """
    found: list[Finding] = []
    for files in find_cells(path):
        try:
            cell = _read(files, read)
        except Exception as exc:  # a malformed cell is a finding, not a traceback
            found.append(read_failure(files.base, exc))
            continue
        found += validate_cell(cell, path=files.base)
    return sort_findings(found)
