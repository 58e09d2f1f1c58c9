"""Each validation check on hand-made cells: the clean cell passes, one change gives exactly its finding."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, Point, Polygon

from enc_chart.validate import CHECKS, clearance, validate_cell
from enc_chart.validate.encoded import Encoded
from enc_chart.validate.finding import Finding
from tests.enc.validate_cells import (
    CHANNEL,
    SHALLOW,
    X0,
    Y0,
    area,
    at,
    clean_cell,
    clean_layers,
    feature,
    make_cell,
    span,
)


def ids(found: list[Finding]) -> list[tuple[str, str | None, int | None]]:
    return sorted((f.check_id, f.object_class, f.rcid) for f in found)


def test_clean_cell_has_no_findings():
    assert validate_cell(clean_cell()) == []


def test_every_finding_names_check_severity_feature_place_and_both_languages():
    cell = clean_cell(DEPARE=[feature(10, SHALLOW, DRVAL1=3.0, DRVAL2=2.0, GRUP=1),
                              feature(11, CHANNEL, DRVAL1=2.0, DRVAL2=5.0, GRUP=1)])
    [found] = validate_cell(cell)
    assert (found.check_id, found.severity, found.s58_class) == ("OM-DRVAL", "error", "C")
    assert (found.cell, found.object_class, found.rcid, found.foid) == ("CN5SHJ01", "DEPARE", 10, "1810-1010-1")
    assert found.lnam == f"0712{1010:08X}0001"
    assert SHALLOW.contains(Point(found.lon, found.lat))
    assert "DRVAL1 3 m" in found.message_en and "大于" in found.message_zh
    assert found.message == f"{found.message_zh} / {found.message_en}"
    assert found.to_dict()["s58"] is False and found.to_dict()["check_id"] == "OM-DRVAL"


def test_severity_follows_the_s58_class():
    assert CHECKS["519a"].severity == CHECKS["1768"].severity == "error"  # C and E
    assert CHECKS["OM-DRVAL-EQUAL"].severity == CHECKS["OM-MANDATORY-SCAMIN"].severity == "warning"  # W


# --- skin of the earth: 519a gap, 519b overlap -------------------------------------------------------------

def test_gap_in_group1_coverage_is_519a_at_the_gap():
    gap = area(0.004, 0.009, 0.007, 0.01)
    found = validate_cell(clean_cell(DEPARE=[feature(10, SHALLOW, DRVAL1=0.0, DRVAL2=2.0, GRUP=1),
                                             feature(11, area(0.004, 0, 0.007, 0.009), DRVAL1=2.0, DRVAL2=5.0)]))
    assert ids(found) == [("519a", "M_COVR", 1)]
    assert gap.contains(Point(found[0].lon, found[0].lat))
    assert "26,8" in found[0].message_en  # 0.003° × 0.001° at 43.8° N ≈ 26,800 m²


def test_overlap_of_group1_areas_is_519b_naming_both():
    found = validate_cell(clean_cell(LNDARE=[feature(12, area(0.0065, 0, 0.01, 0.01), GRUP=1)]))
    assert ids(found) == [("519b", "DEPARE", 11)]
    assert "LNDARE 1810-1012-1" in found[0].message_en
    assert area(0.0065, 0, 0.007, 0.01).contains(Point(found[0].lon, found[0].lat))


def test_slivers_thinner_than_the_tolerance_are_not_gaps():
    land = area(0.007 + 1e-9, 0, 0.01, 0.01)  # 0.1 mm off the channel's edge
    assert validate_cell(clean_cell(LNDARE=[feature(12, land, GRUP=1)])) == []


def test_areas_the_file_puts_in_group1_count_and_inland_pontoons_do_not():
    covered_twice = feature(20, area(0.001, 0.001, 0.002, 0.002), GRUP=1)
    assert ids(validate_cell(clean_cell(DOCARE=[covered_twice]))) == [("519b", "DEPARE", 10)]
    pontoon = feature(21, area(0.001, 0.001, 0.002, 0.002), GRUP=2, SCAMIN=22000)
    assert validate_cell(clean_cell(ponton=[pontoon])) == []


# --- depth ranges and soundings ------------------------------------------------------------------------------

@pytest.mark.parametrize(("drval1", "drval2", "expected"), [
    (3.0, 2.0, "OM-DRVAL"), (None, 2.0, "OM-DRVAL"), (2.0, 2.0, "OM-DRVAL-EQUAL")])
def test_depth_range_faults(drval1, drval2, expected):
    cell = clean_cell(DEPARE=[feature(10, SHALLOW, DRVAL1=drval1, DRVAL2=drval2, GRUP=1),
                              feature(11, CHANNEL, DRVAL1=2.0, DRVAL2=5.0, GRUP=1)])
    found = validate_cell(cell)
    assert ids(found) == [(expected, "DEPARE", 10)]
    assert found[0].severity == ("warning" if expected == "OM-DRVAL-EQUAL" else "error")


def _soundings(*rows: tuple[int, float, float, float, str | None]) -> list[dict]:
    return [feature(rcid, at(dx, dy), DEPTH=depth, EXPSOU=expsou, SCAMIN=22000) for rcid, dx, dy, depth, expsou in rows]


def test_soundings_agree_with_their_depth_area():
    soundings = _soundings(
        (50, 0.005, 0.005, 3.0, None),  # inside 2–5 m: fine
        (51, 0.005, 0.006, 1.0, None),  # shoaler than 2 m → 1768
        (52, 0.005, 0.007, 7.0, None),  # deeper than 5 m → 1769
        (53, 0.005, 0.008, 7.0, "3"),  # deeper, declared "deeper than the range"
        (54, 0.005, 0.009, 1.0, "2"),  # shoaler, declared "shoaler than the range"
        (55, 0.004, 0.003, 1.5, None),  # on the 2 m contour: agrees with the 0–2 m side
        (56, 0.0085, 0.005, 9.0, None),  # on land: no depth area to agree with
    )
    found = validate_cell(clean_cell(SOUNDG=soundings))
    assert ids(found) == [("1768", "SOUNDG", 51), ("1769", "SOUNDG", 52)]
    assert all(f.severity == "error" for f in found)
    shoal = next(f for f in found if f.check_id == "1768")
    assert (round(shoal.lon, 6), round(shoal.lat, 6)) == (round(X0 + 0.005, 6), round(Y0 + 0.006, 6))
    assert "DRVAL1 2 m" in shoal.message_en and "DEPARE 1810-1011-1" in shoal.message_en


def test_soundings_in_a_dredged_area_may_be_deeper_but_not_shoaler():
    layers = clean_layers()
    layers["DEPARE"] = layers["DEPARE"][:1]
    layers["DRGARE"] = [feature(11, CHANNEL, DRVAL1=3.0, GRUP=1)]
    layers["SOUNDG"] = _soundings((50, 0.005, 0.005, 8.0, None), (51, 0.005, 0.006, 2.5, None))
    assert ids(validate_cell(make_cell(layers))) == [("1768", "SOUNDG", 51)]


# --- clearance (507) ------------------------------------------------------------------------------------------

def test_bridge_over_water_without_vertical_clearance_is_507():
    bridges = [feature(60, area(0.003, 0.005, 0.008, 0.0052), CATBRG="1"),  # over the river, no VERCLR
               feature(61, area(0.003, 0.006, 0.008, 0.0062), CATBRG="1", VERCLR=12.5),
               feature(62, area(0.0075, 0.007, 0.009, 0.0072), CATBRG="1"),  # on land
               feature(63, area(0.007, 0.008, 0.009, 0.0082), CATBRG="1"),  # on land, touching the water's edge
               feature(64, area(0.003, 0.003, 0.008, 0.0032), CATBRG="3", VERCCL=6.0),  # swing bridge, closed
               feature(65, area(0.003, 0.002, 0.008, 0.0022), CATBRG="5")]  # bascule bridge, nothing
    found = validate_cell(clean_cell(BRIDGE=bridges))
    assert ids(found) == [("507", "BRIDGE", 60), ("507", "BRIDGE", 65)]
    assert "opening bridge" in next(f for f in found if f.rcid == 65).message_en


def test_overhead_cable_over_water_without_clearance_is_507():
    cables = [feature(70, span(0.001, 0.009, 0.002), CATCBL="1"),
              feature(71, span(0.001, 0.009, 0.003), CATCBL="1", VERCLR=20.0)]
    assert ids(validate_cell(clean_cell(CBLOHD=cables))) == [("507", "CBLOHD", 70)]


def test_a_dredged_area_is_water_too():
    layers = clean_layers()
    layers["DEPARE"] = layers["DEPARE"][:1]
    layers["DRGARE"] = [feature(11, CHANNEL, DRVAL1=3.0, GRUP=1)]
    layers["PIPOHD"] = [feature(60, span(0.005, 0.006, 0.004), CATPIP="1"),
                        feature(61, span(0.008, 0.009, 0.004), CATPIP="1")]  # over land
    assert ids(validate_cell(make_cell(layers))) == [("507", "PIPOHD", 60)]


# --- mandatory attributes and meta objects ---------------------------------------------------------------------

def test_missing_mandatory_attribute_is_named():
    buoys = [feature(80, at(0.005, 0.002), BOYSHP="2", COLOUR="3", SCAMIN=22000),
             feature(81, at(0.005, 0.003), BOYSHP="2", COLOUR="3", CATLAM="1", SCAMIN=22000)]
    found = validate_cell(clean_cell(BOYLAT=buoys))
    assert ids(found) == [("OM-MANDATORY", "BOYLAT", 80)]
    assert "CATLAM" in found[0].message_en and "BOYSHP" not in found[0].message_en


def test_the_inland_twin_of_a_mandatory_attribute_counts():
    # The 2.5 catalogue binds CATBRG (9) to the inland bridge; GDAL's tables and the pilot chart use catbrg (17006).
    bridge = area(0.0075, 0.007, 0.009, 0.0072)
    assert validate_cell(clean_cell(bridge=[feature(60, bridge, catbrg="1", SCAMIN=90000)])) == []
    found = validate_cell(clean_cell(bridge=[feature(60, bridge, SCAMIN=90000)]))
    assert ids(found) == [("OM-MANDATORY", "bridge", 60)] and "CATBRG" in found[0].message_en


def test_missing_scamin_is_one_warning_per_class_with_the_count():
    buoys = [feature(80 + i, at(0.005, 0.002 + i / 1000), BOYSHP="2", COLOUR="3", CATLAM="1") for i in range(3)]
    found = validate_cell(clean_cell(BOYLAT=buoys))
    assert ids(found) == [("OM-MANDATORY-SCAMIN", "BOYLAT", 80)]
    assert found[0].severity == "warning" and found[0].message_en.startswith("3 BOYLAT")


def test_missing_meta_objects_are_505():
    assert ids(validate_cell(clean_cell(M_QUAL=[]))) == [("505", None, None)]
    found = validate_cell(clean_cell(M_COVR=[], M_NSYS=[]))
    assert ids(found) == [("505", None, None)] and "M_COVR, M_NSYS" in found[0].message_en


def test_an_inland_cell_needs_no_m_qual():
    buoy = feature(80, at(0.005, 0.002), BOYSHP="2", catlam="1", COLOUR="3", SCAMIN=22000)
    assert validate_cell(clean_cell(M_QUAL=[], boylat=[buoy])) == []


# --- geometry ----------------------------------------------------------------------------------------------------

def test_invalid_area_is_reported_with_geos_reason_and_place():
    bowtie = Polygon([(X0 + 0.001, Y0 + 0.001), (X0 + 0.003, Y0 + 0.003), (X0 + 0.003, Y0 + 0.001),
                      (X0 + 0.001, Y0 + 0.003)])
    found = validate_cell(clean_cell(SBDARE=[feature(90, bowtie, SCAMIN=22000)]))
    assert ids(found) == [("OM-GEOM-INVALID", "SBDARE", 90)]
    assert "Self-intersection" in found[0].message_en
    assert (round(found[0].lon, 6), round(found[0].lat, 6)) == (round(X0 + 0.002, 6), round(Y0 + 0.002, 6))


def test_degenerate_line_and_missing_geometry():
    point_line = LineString([(X0 + 0.001, Y0 + 0.001), (X0 + 0.001, Y0 + 0.001)])
    found = validate_cell(clean_cell(COALNE=[feature(91, point_line, SCAMIN=22000)],
                                     SBDARE=[feature(92, None, PRIM=3, SCAMIN=22000)]))
    assert ids(found) == [("12", "SBDARE", 92), ("OM-LINE-DEGENERATE", "COALNE", 91)]


# --- shared feature identifiers (560a, 560b) ------------------------------------------------------------------------

def test_features_sharing_a_foid_must_be_parts_of_one_line_or_area_object():
    def cable(rcid: int, dy: float, **attributes) -> dict:
        return {**feature(rcid, span(0.001, 0.003, dy), SCAMIN=22000, **attributes), "FIDN": 5000}

    same = [cable(70, 0.001, CATCBL="1"), cable(71, 0.002, CATCBL="1")]
    assert validate_cell(clean_cell(CBLSUB=same)) == []  # one cable in two line records
    differ = [cable(70, 0.001, CATCBL="1"), cable(71, 0.002, CATCBL="6")]
    assert ids(validate_cell(clean_cell(CBLSUB=differ))) == [("560a", "CBLSUB", 70)]
    points = [{**feature(r, at(0.005, 0.001 * r / 80), SCAMIN=22000, BOYSHP="2", COLOUR="3", CATLAM="1"),
               "FIDN": 6000} for r in (80, 81)]
    assert ids(validate_cell(clean_cell(BOYLAT=points))) == [("560b", "BOYLAT", 80)]


# --- update sequence of a cell built in memory ---------------------------------------------------------------------

def test_updates_applied_must_run_one_two_three():
    gap = make_cell(clean_layers(), updates=("CN5SHJ01.001", "CN5SHJ01.003"), update=3)
    assert [f.check_id for f in validate_cell(gap)] == ["OM-UPDATE-SEQ"]
    assert validate_cell(make_cell(clean_layers(), updates=("CN5SHJ01.001", "CN5SHJ01.002"), update=2)) == []



# --- attributes as the file encodes them (updates applied) -------------------------------------------------------

class _Field:
    def __init__(self, groups: list[dict]) -> None:
        self._groups = groups

    def groups(self) -> list[dict]:
        return self._groups

    def first(self) -> dict:
        return self._groups[0]


class _Record:
    def __init__(self, rcid: int, ruin: int, attf: list[tuple[int, str]]) -> None:
        self.fields = {"FRID": _Field([{"RCID": rcid, "RUIN": ruin}]),
                       "ATTF": _Field([{"ATTL": code, "ATVL": value} for code, value in attf])}

    def field(self, tag: str) -> _Field | None:
        return self.fields.get(tag)


def test_encoded_attributes_follow_insert_modify_delete():
    encoded = Encoded()
    encoded.apply(_Record(7, 1, [(87, ""), (88, "5")]))  # base: DRVAL1 empty (unknown), DRVAL2 5
    assert encoded.has(7, "DRVAL1") and encoded.unknown(7, "DRVAL1") and not encoded.unknown(7, "DRVAL2")
    encoded.apply(_Record(7, 3, [(87, "2"), (88, "\x7f")]))  # update: DRVAL1 set, DRVAL2 deleted
    assert encoded.value(7, "DRVAL1") == "2" and not encoded.has(7, "DRVAL2")
    encoded.apply(_Record(7, 2, []))  # update: feature deleted
    assert not encoded.has(7, "DRVAL1")


def test_encoded_unknown_clearance_satisfies_507_but_warns():
    layers = clean_layers()
    layers["BRIDGE"] = [feature(60, area(0.003, 0.005, 0.008, 0.0052), CATBRG="1")]
    encoded = Encoded()
    encoded.apply(_Record(60, 1, [(9, "1"), (181, "")]))  # CATBRG 1, VERCLR encoded empty
    found = clearance.check_clearance(make_cell(layers), encoded)
    assert [(f.check_id, f.severity, f.rcid) for f in found] == [("OM-VALUE-UNKNOWN", "warning", 60)]
