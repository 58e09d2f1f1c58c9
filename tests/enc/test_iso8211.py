"""The ISO 8211 reader: DSID and CATD from real files, and clear errors for truncated or malformed ones."""

from __future__ import annotations

import zlib
from datetime import date

import pyogrio
import pytest

from enc_chart.catalogue import configure_gdal
from enc_chart.errors import CorruptCellError
from enc_chart.iso8211 import read_catalogue, read_dsid, read_module
from tests.enc.ingest_support import N230, enc_path, s58_cell


def _gdal_dsid(path):
    configure_gdal()
    return pyogrio.read_dataframe(path, layer="DSID", read_geometry=False).iloc[0]


def test_dsid_of_a_base_cell_agrees_with_gdal():
    path = enc_path(N230)
    dsid, gdal = read_dsid(path), _gdal_dsid(path)
    assert dsid.dsnm == gdal["DSID_DSNM"] == "5I7IN230.000"
    assert dsid.edition == int(gdal["DSID_EDTN"]) and dsid.update == int(gdal["DSID_UPDN"]) == 0
    assert dsid.agency == int(gdal["DSID_AGEN"])
    text = str(gdal["DSID_ISDT"])
    assert dsid.issue_date == date(int(text[:4]), int(text[4:6]), int(text[6:]))
    assert dsid.update_date is not None


def test_dsid_of_an_update_file():
    update = s58_cell("AA500003").with_suffix(".001")
    base, dsid = read_dsid(s58_cell("AA500003")), read_dsid(update)
    assert dsid.dsnm == "AA500003.001"
    assert dsid.update == 1 and dsid.edition == base.edition


def test_catalogue_lists_the_exchange_set_files_with_their_checksums():
    catalogue = enc_path("ienc-test-cells-2.1/exchangeset/CATALOG.031")
    entries = {entry.file: entry for entry in read_catalogue(catalogue)}
    cells = sorted(name for name in entries if name.endswith(".000"))
    assert cells == sorted(p.name for p in catalogue.parent.glob("*.000"))
    for name in cells:
        assert entries[name].crc == f"{zlib.crc32((catalogue.parent / name).read_bytes()):08X}"
        assert entries[name].implementation == "BIN"


def test_malformed_s58_dataset_names_the_file_and_the_record():
    path = s58_cell("AA500004")
    with pytest.raises(CorruptCellError) as caught:
        read_dsid(path)
    error = caught.value
    assert error.path == path and error.record is not None and error.record > 0
    assert "AA500004.000" in error.message and f"record {error.record}" in error.message
    assert f"第 {error.record} 条记录" in error.message
    # the record named really is the broken one: its directory holds a tag the DDR does not define
    module_error_offset = int(error.message.split("byte offset ")[1].split(")")[0])
    raw = path.read_bytes()
    length, base = int(raw[module_error_offset:module_error_offset + 5]), int(raw[module_error_offset + 12:
                                                                                   module_error_offset + 17])
    directory = raw[module_error_offset + 24:module_error_offset + base]
    assert b"ARCC" in directory and b"ARCC" not in raw[:int(raw[:5])]
    assert module_error_offset + length <= len(raw)


def test_truncated_file_is_a_clear_error(tmp_path):
    raw = enc_path(N230).read_bytes()
    cut = tmp_path / "5I7IN230.000"
    cut.write_bytes(raw[:len(raw) // 2])
    with pytest.raises(CorruptCellError) as caught:
        read_module(cut)
    assert "5I7IN230.000" in caught.value.message and "truncated" in caught.value.message
    assert "截断" in caught.value.message and caught.value.record is not None


def test_a_damaged_directory_is_a_clear_error(tmp_path):
    raw = bytearray(enc_path(N230).read_bytes())
    ddr = int(raw[:5])
    raw[ddr + 24:ddr + 28] = b"ZZ!?"  # the first data record's first directory entry
    broken = tmp_path / "5I7IN230.000"
    broken.write_bytes(bytes(raw))
    with pytest.raises(CorruptCellError) as caught:
        read_module(broken)
    assert caught.value.record == 1 and "record 1" in caught.value.message


def test_a_file_that_is_not_iso8211(tmp_path):
    text = tmp_path / "NOTACELL.000"
    text.write_text("This is a README, not a chart.\n" * 10)
    with pytest.raises(CorruptCellError) as caught:
        read_dsid(text)
    assert "NOTACELL.000" in caught.value.message and "ISO 8211" in caught.value.message
