"""Finding cells (file, folder, CATALOG.031) and proving their update sequence before anything is read."""

from __future__ import annotations

import shutil

import pytest

from enc_chart.errors import ChartInputError, UpdateSequenceError
from enc_chart.exchange_set import check_cell, find_cells
from tests.enc.ingest_support import UPDATED, copy_cell, enc_path, patch_dsid_text, s58_cell


def test_a_folder_gives_every_base_cell_below_it():
    folder = enc_path("ienc-test-cells-2.1")
    cells = find_cells(folder)
    assert sorted(c.base for c in cells) == sorted(folder.rglob("*.000"))
    assert {"5I7TEST1", "5IATEST2", "5I7IENC1"} <= {c.name for c in cells}


def test_a_catalogue_gives_the_cells_it_lists():
    catalogue = enc_path("ienc-test-cells-2.1/exchangeset/CATALOG.031")
    assert [c.name for c in find_cells(catalogue)] == ["5I7TEST1", "5IATEST2"]


def test_an_update_file_stands_for_its_base_cell():
    update = s58_cell("AA500003").with_suffix(".001")
    (cell,) = find_cells(update)
    assert cell.base == s58_cell("AA500003") and cell.updates == (update,)


@pytest.mark.parametrize("name", UPDATED)
def test_the_real_update_sequences_check_out(name):
    (cell,) = find_cells(s58_cell(name))
    checked = check_cell(cell)
    assert [u.update for u in checked.updates] == [1]
    assert checked.last.edition == checked.base.edition


def test_a_gap_in_the_updates_is_rejected_with_the_reason(tmp_path):
    source = s58_cell("AA500003")
    base = copy_cell(source, tmp_path, "AA500003.001")
    shutil.move(tmp_path / "AA500003.001", tmp_path / "AA500003.002")
    (cell,) = find_cells(base)
    with pytest.raises(UpdateSequenceError) as caught:
        check_cell(cell)
    message = caught.value.message
    assert "AA500003.001" in message and "AA500003.002" in message and "gap" in message and "缺少" in message


def test_an_update_for_another_edition_is_rejected(tmp_path):
    base = copy_cell(s58_cell("AA500003"), tmp_path, "AA500003.001")
    patch_dsid_text(tmp_path / "AA500003.001", 0, b"7")  # EDTN 1 → 7
    with pytest.raises(UpdateSequenceError) as caught:
        check_cell(find_cells(base)[0])
    assert "AA500003.001" in caught.value.message and "edition 7" in caught.value.message


def test_an_update_carrying_the_wrong_number_is_out_of_sequence(tmp_path):
    base = copy_cell(s58_cell("AA500003"), tmp_path, "AA500003.001")
    patch_dsid_text(tmp_path / "AA500003.001", 1, b"3")  # UPDN 1 → 3
    with pytest.raises(UpdateSequenceError) as caught:
        check_cell(find_cells(base)[0])
    assert "UPDN=3" in caught.value.message and "out of sequence" in caught.value.message


def test_a_file_that_does_not_match_its_catalogue_checksum_is_rejected(tmp_path):
    source = s58_cell("AA500003")
    base = copy_cell(source, tmp_path, "AA500003.001", "CATALOG.031")
    raw = bytearray(base.read_bytes())
    raw[-2] ^= 0x01  # one flipped bit inside the last record
    base.write_bytes(bytes(raw))
    with pytest.raises(ChartInputError) as caught:
        check_cell(find_cells(tmp_path / "CATALOG.031")[0])
    assert "AA500003.000" in caught.value.message and "checksum" in caught.value.message


def test_paths_that_name_no_cell(tmp_path):
    with pytest.raises(ChartInputError, match="no such file"):
        find_cells(tmp_path / "missing.000")
    with pytest.raises(ChartInputError, match="no chart cells"):
        find_cells(tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ChartInputError, match="not an S-57 cell"):
        find_cells(tmp_path / "notes.txt")


def test_a_real_catalogue_checksum_mismatch_refuses_import_but_not_reading():
    # S-58 dataset AA400003's CATALOG.031 lists a CRC its AA400003.000 does not have
    (cell,) = find_cells(s58_cell("AA400003"))
    with pytest.raises(ChartInputError, match="checksum"):
        check_cell(cell)
    assert check_cell(cell, verify_crc=False).base.dsnm == "AA400003.000"
