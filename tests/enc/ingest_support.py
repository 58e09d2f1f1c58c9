"""Shared pieces of the ingest tests: where the third-party cells are, copies to break, GDAL as a yardstick."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pyogrio

from enc_chart import naming
from enc_chart.catalogue import configure_gdal
from enc_chart.reader import OPEN_OPTIONS
from tests.conftest import SHARED_DATA, missing

ENC_DATA = SHARED_DATA / "enc"
N230 = "ienc-5I7IN230/ENC_ROOT/5I7IN230.000"
UPDATED = ("AA400008", "AA500003", "AA500012", "AA500015")


def enc_path(relative: str) -> Path:
    """A file or folder under ../shared/data/enc (skip outside CI when absent, fail under CI)."""
    path = ENC_DATA / relative
    if not path.exists():
        missing(f"chart test data absent: {path}")
    return path


def s58_cell(name: str) -> Path:
    return enc_path(f"s58/{name}/ENC_ROOT/{name}.000")


def gdal_counts(path: Path, *, updates: bool = True) -> Counter[str]:
    """Features per GDAL layer (DSID included), as GDAL reads the cell with the extended catalogue."""
    configure_gdal()
    options = dict(OPEN_OPTIONS, UPDATES="APPLY" if updates else "IGNORE")
    # list_layers takes no open options; the S-57 driver also reads them from OGR_S57_OPTIONS
    pyogrio.set_gdal_config_options({"OGR_S57_OPTIONS": f"UPDATES={options['UPDATES']}"})
    try:
        names = [str(name) for name, _ in pyogrio.list_layers(path)]
    finally:
        pyogrio.set_gdal_config_options({"OGR_S57_OPTIONS": None})
    counts: Counter[str] = Counter()
    for name in names:
        counts[name] = len(pyogrio.read_dataframe(path, layer=name, read_geometry=False, **options))
    return counts


def copy_cell(source: Path, folder: Path, *extra: str) -> Path:
    """Copy a base cell (and the named sibling files) into `folder`; the copy of the base cell."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (source.name, *extra):
        shutil.copyfile(source.parent / name, folder / name)
        (folder / name).chmod(0o644)
    return folder / source.name


def patch_dsid_text(path: Path, subfield_index: int, new: bytes) -> None:
    """Replace one text subfield of the DSID field after DSNM (0 = EDTN, 1 = UPDN) with `new` of the
    same length, so the ISO 8211 structure stays intact."""
    raw = bytearray(path.read_bytes())
    ddr_length = int(raw[:5])  # the DDR's file title repeats the name: look in the data records only
    start = raw.index(path.name.encode("ascii") + b"\x1f", ddr_length) + len(path.name) + 1
    for _ in range(subfield_index):
        start = raw.index(b"\x1f", start) + 1
    end = raw.index(b"\x1f", start)
    assert len(new) == end - start, f"{raw[start:end]!r} and {new!r} differ in length"
    raw[start:end] = new
    path.write_bytes(bytes(raw))


def stored_class_counts(store, acronym: str) -> int:
    """Features of one object class in the store, over its primitive layers (ids from `enc_chart.naming`)."""
    base = naming.layer_id(acronym)
    ids = {base, base + "_p", base + "_l"}
    total = 0
    for layer in store.load_layer_definitions():
        if layer.id in ids:
            total += store.layer_state(layer).feature_count
    return total
