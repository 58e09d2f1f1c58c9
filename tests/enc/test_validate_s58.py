"""The IHO S-58 test datasets: each is reported with the checks its dataset report says it breaks (those
the validator implements, see docs/enc.md "Validation"), at the features the report names (FRID = RCID)."""

from __future__ import annotations

from enc_chart.validate import Finding, validate_path
from tests.enc.ingest_support import copy_cell, patch_dsid_text, s58_cell

TOPOLOGY = {"14", "15", "16", "17", "80a", "80b", "80c"}


def keyed(found: list[Finding], check_ids: set[str]) -> list[tuple[str, str | None, int | None]]:
    return sorted((f.check_id, f.object_class, f.rcid) for f in found if f.check_id in check_ids)


def test_aa400001_area_boundaries_and_skin_of_the_earth():
    found = validate_path(s58_cell("AA400001"))
    # 14 SBDARE FE-66, 15 SLCONS FE-55, 16 SEAARE FE-49, 17 CBLARE FE-63 — and no other area.
    assert keyed(found, TOPOLOGY) == [("14", "SBDARE", 66), ("15", "SLCONS", 55), ("16", "SEAARE", 49),
                                      ("17", "CBLARE", 63)]
    # 42 (edges VE-103/VE-104): the hole and the DEPARE FE-70 / LNDARE FE-71 overlap, as 519a and 519b.
    assert keyed(found, {"519a", "519b"}) == [("519a", "M_COVR", 60), ("519b", "DEPARE", 70)]
    overlap = next(f for f in found if f.check_id == "519b")
    assert overlap.foid == "1810-1516773533-2" and "LNDARE 1810-1516774344-1" in overlap.message_en
    sbdare = next(f for f in found if f.check_id == "14")
    assert sbdare.foid == "1810-1516773422-1" and round(sbdare.lat, 3) == -32.340  # 32°20'25"S


def test_aa400003_skin_of_the_earth_and_dataset_parameters():
    found = validate_path(s58_cell("AA400003"))
    assert keyed(found, {"519a"}) == [("519a", "M_COVR", 93)]
    overlaps = {(f.rcid, f.message_en.split(" overlaps ")[1].split(" ")[0]) for f in found if f.check_id == "519b"}
    assert overlaps == {(7, "LNDARE"), (7, "UNSARE"), (7, "PONTON"), (7, "HULKES"), (7, "FLODOC"), (7, "DRGARE"),
                        (96, "FLODOC")}
    assert sorted(f.check_id for f in found if f.check_id in {"524", "525", "1504", "1510", "1513"}) == [
        "1504", "1510", "1513", "524", "525"]
    assert "DUNI is 3" in next(f for f in found if f.check_id == "524").message_en  # feet
    # Not in the report, but true: the dataset's CATALOG.031 lists another checksum for AA400003.000 (the
    # file was edited after the catalogue was made). Reported, and the cell is still validated.
    [exchange] = [f for f in found if f.check_id == "OM-EXCHANGE-SET"]
    assert "checksum 80BD5318 but CATALOG.031 lists 1D708B8B" in exchange.message_en


def test_aa400008_ring_nesting_and_missing_meta_objects():
    found = validate_path(s58_cell("AA400008"))  # the update AA400008.001 deletes the meta objects
    assert keyed(found, TOPOLOGY) == [("80a", "ACHARE", 147), ("80b", "ACHBRT", 65), ("80c", "RESARE", 63)]
    [meta] = [f for f in found if f.check_id == "505"]
    assert "M_COVR, M_NSYS, M_QUAL" in meta.message_en


def test_aa500003_update_with_uadt_and_shared_foids():
    found = validate_path(s58_cell("AA500003"))
    reported = [f for f in found if f.check_id in {"533", "1522b"}]
    assert sorted(f.check_id for f in reported) == ["1522b", "533"]
    assert all("AA500003.001" in f.message_en and f.cell == "AA500003" for f in reported)
    # 560a: DEPCNT FE-74 and FE-75 share a FOID with VALDCO 2 and 5; 560b: BUISGL area FE-14 and point FE-22.
    assert keyed(found, {"560a", "560b"}) == [("560a", "DEPCNT", 74), ("560b", "BUISGL", 14)]
    assert "DEPCNT RCID 75" in next(f for f in found if f.check_id == "560a").message_en
    assert "BUISGL RCID 22" in next(f for f in found if f.check_id == "560b").message_en


def test_aa500004_malformed_is_one_clear_error_naming_the_cell():
    found = validate_path(s58_cell("AA500004"))
    assert [(f.check_id, f.severity, f.cell) for f in found] == [("OM-READ", "error", "AA500004")]
    assert "AA500004.000" in found[0].message_en and "record 28" in found[0].message_en
    assert "AA500004.000" in found[0].message_zh


def test_updates_in_sequence_give_no_sequence_finding():
    for name in ("AA500012", "AA500015", "AA400008"):
        found = validate_path(s58_cell(name))
        assert not [f for f in found if f.check_id in {"OM-UPDATE-SEQ", "OM-READ"}], name


def test_catalogue_mandatory_attributes_are_warnings_for_an_iho_enc():
    # The IEHG catalogue 2.5 makes CONRAD mandatory on BCNSPP; AA500015 is an IHO ENC (PRSP 1, ENC PS 2.0).
    found = validate_path(s58_cell("AA500015"))
    [beacons] = [f for f in found if f.check_id == "OM-MANDATORY-EDITION" and f.object_class == "BCNSPP"]
    assert beacons.severity == "warning" and beacons.message_en.startswith("2 BCNSPP feature(s) lack CONRAD")
    assert "the cell is ENC 2.0" in beacons.message_en
    assert not [f for f in found if f.check_id == "OM-MANDATORY"]


def test_update_gap_is_reported_and_the_base_cell_still_validated(tmp_path):
    base = copy_cell(s58_cell("AA500012"), tmp_path, "AA500012.001")
    (tmp_path / "AA500012.001").rename(tmp_path / "AA500012.002")
    found = validate_path(base)
    [sequence] = [f for f in found if f.check_id == "OM-UPDATE-SEQ"]
    assert "AA500012.001 is missing before AA500012.002" in sequence.message_en
    assert sequence.lon is not None and sequence.cell == "AA500012"
    assert not [f for f in found if f.check_id == "OM-READ"]


def test_update_of_another_edition_is_reported(tmp_path):
    base = copy_cell(s58_cell("AA500012"), tmp_path, "AA500012.001")
    patch_dsid_text(tmp_path / "AA500012.001", 0, b"2")  # EDTN 1 → 2
    [sequence] = [f for f in validate_path(base) if f.check_id == "OM-UPDATE-SEQ"]
    assert "edition 2" in sequence.message_en and "EDTN=2" in sequence.message_zh
