"""`read_cell` against the real third-party cells, with GDAL (extended catalogue) as the yardstick."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyogrio
import pytest
import shapely

from enc_chart.catalogue import configure_gdal, object_class
from enc_chart.errors import CorruptCellError
from enc_chart.reader import OPEN_OPTIONS, read_cell
from tests.enc.ingest_support import N230, UPDATED, enc_path, gdal_counts, s58_cell


def test_5i7in230_reads_as_gdal_counts_it():
    path = enc_path(N230)
    cell = read_cell(path)
    gdal = gdal_counts(path)
    assert len(gdal) == 72 and sum(gdal.values()) == 711  # what the issue states GDAL gives
    assert {name: len(frame) for name, frame in cell.layers.items()} == {n: c for n, c in gdal.items() if n != "DSID"}
    assert cell.feature_count + gdal["DSID"] == 711
    assert "Generic" not in cell.layers
    inland = [name for name in cell.layers if object_class(name) is not None and object_class(name).inland]
    assert {"boylat", "wtwgag", "wtwaxs", "bridge", "dismar"} <= set(inland)


def test_cell_info_comes_from_the_dsid():
    path = enc_path(N230)
    cell = read_cell(path)
    configure_gdal()
    dsid = pyogrio.read_dataframe(path, layer="DSID", read_geometry=False).iloc[0]
    isdt = str(dsid["DSID_ISDT"])
    assert cell.info.name == "5I7IN230" and cell.info.path == path
    assert (cell.info.edition, cell.info.update) == (int(dsid["DSID_EDTN"]), 0)
    assert cell.info.issue_date == date(int(isdt[:4]), int(isdt[4:6]), int(isdt[6:]))
    assert cell.info.agency == int(dsid["DSID_AGEN"]) and cell.info.updates_applied == ()


def test_list_attributes_are_flattened_to_comma_joined_text():
    path = enc_path(N230)
    cell = read_cell(path)
    configure_gdal()
    raw = pyogrio.read_dataframe(path, layer="boylat", read_geometry=False, **OPEN_OPTIONS).set_index("LNAM")
    buoys = cell.layers["boylat"].set_index("LNAM")
    several = 0
    for lnam, colour in buoys["COLOUR"].items():
        expected = raw.loc[lnam, "COLOUR"]
        assert colour == ",".join(str(v) for v in expected)
        several += len(expected) > 1
    assert several > 0  # the cell has multi-colour buoys ("3,4,3,4"), so flattening was exercised
    assert all(isinstance(v, str) for v in cell.layers["C_AGGR"]["LNAM_REFS"].dropna())


def test_soundings_come_one_point_each_with_their_depth():
    folder = enc_path("ecdis-chart-1/ENC_ROOT")
    with_soundings = [read_cell(p) for p in sorted(folder.glob("*.000"))]
    soundings = [cell.layers["SOUNDG"] for cell in with_soundings if "SOUNDG" in cell.layers]
    assert soundings, "ECDIS Chart 1 has soundings"
    for frame in soundings:
        assert set(frame.geometry.geom_type) == {"Point"}
        z = shapely.get_coordinates(frame.geometry.to_numpy(), include_z=True)[:, 2]
        assert np.allclose(frame["DEPTH"].to_numpy(dtype=float), z)


def _counts(cell) -> dict[str, int]:
    return {name: len(frame) for name, frame in cell.layers.items()}


@pytest.mark.parametrize("name", UPDATED)
def test_update_files_are_applied_in_order(name):
    path = s58_cell(name)
    updated, base = read_cell(path), read_cell(path, apply_updates=False)
    assert (updated.info.update, base.info.update) == (1, 0)
    assert updated.info.updates_applied == (f"{name}.001",)
    assert updated.info.issue_date is not None
    with_updates, without = gdal_counts(path), gdal_counts(path, updates=False)
    assert _counts(updated) == {n: c for n, c in with_updates.items() if c and n != "DSID"}
    assert _counts(base) == {n: c for n, c in without.items() if c and n != "DSID"}

    def versions(cell):
        return {(name, lnam, int(rver)) for name, frame in cell.layers.items()
                for lnam, rver in zip(frame["LNAM"], frame["RVER"], strict=True)}

    assert versions(updated) != versions(base)  # the update inserted, deleted or modified features


def test_a_malformed_cell_is_a_clear_error_naming_the_cell_and_record():
    with pytest.raises(CorruptCellError) as caught:
        read_cell(s58_cell("AA500004"))
    assert "AA500004" in caught.value.message and caught.value.record is not None
    assert f"record {caught.value.record}" in caught.value.message
