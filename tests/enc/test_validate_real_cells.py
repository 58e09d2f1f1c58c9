"""The good cells: 5I7IN230 gives no error; the IENC test cells and ECDIS Chart 1, which are portrayal
test material rather than navigational charts, give exactly their genuine defects (docs/enc.md,
"Validation": no skin of the earth under symbol samples, soundings printed in a 50–100 m area …).
Also: the committed mandatory-attribute table is what the IEHG catalogue gives."""

from __future__ import annotations

from collections import Counter, defaultdict

from enc_chart.validate import Finding, validate_path
from enc_chart.validate.build_mandatory import TABLE_PATH, table_text
from tests.enc.ingest_support import N230, enc_path

IENC_TEST_CELL_ERRORS = {
    "5I7IENC1": {"519a": 1}, "5I7IENC2": {"519a": 1}, "5I7IENC3": {"519a": 1}, "5I7IENC4": {"519a": 1},
    "5I7IENC5": {"505": 1, "519a": 1}, "5I7IENC6": {"505": 1, "519a": 1, "519b": 2},
    "5I7IENC7": {"505": 1, "519a": 2}, "5IAIENC3": {"519a": 1}, "5I7TEST1": {"519a": 2}, "5IATEST2": {"519a": 1},
}
ECDIS_CHART_1_ERRORS = {
    "AA4C1XMS": {"1768": 3}, "AA5C1AB1": {"505": 1}, "AA5C1AB2": {"505": 1}, "AA5C1CDE": {"505": 1, "519a": 1},
    "AA5C1FOO": {"505": 1}, "AA5C1HIO": {"1768": 4}, "AA5C1JKL": {"505": 1, "1768": 1}, "AA5C1MNS": {"505": 1},
    "AA5C1MOO": {"505": 1}, "AA5C1NOO": {"505": 1}, "AA5C1PRS": {"505": 1}, "AA5C1QO1": {"505": 1},
    "AA5C1QO2": {"505": 1}, "AA5C1WOO": {"505": 1, "519a": 20},
}


def errors_per_cell(found: list[Finding]) -> dict[str, dict[str, int]]:
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for item in found:
        if item.severity == "error":
            per[item.cell or "?"][item.check_id] += 1
    return {cell: dict(counts) for cell, counts in per.items()}


def test_5i7in230_has_no_error_and_warns_of_its_unknown_depths_and_clearances():
    found = validate_path(enc_path(N230))
    assert errors_per_cell(found) == {}
    unknown = sorted((f.object_class, f.rcid) for f in found if f.check_id == "OM-VALUE-UNKNOWN")
    assert unknown == [("DEPARE", rcid) for rcid in (1758, 1759, 1760, 1761, 1762, 1765, 1952, 1953)] + [
        ("bridge", rcid) for rcid in (2037, 2038, 2039, 2040)]
    # Warnings only: nothing else. In particular the inland bridges' CATBRG, which GDAL drops (its table
    # binds the inland `catbrg`), is read from the file, so no "mandatory attribute missing".
    assert {f.check_id for f in found} == {"OM-VALUE-UNKNOWN"}


def test_ienc_test_cells_give_exactly_their_genuine_defects():
    found = validate_path(enc_path("ienc-test-cells-2.1"))  # the eight test cells and the exchange set
    assert errors_per_cell(found) == IENC_TEST_CELL_ERRORS
    meta = {f.cell: f.message_en for f in found if f.check_id == "505"}
    assert all(message.endswith("M_NSYS") for message in meta.values())  # inland cells need no M_QUAL
    assert not {f.check_id for f in found} & {"14", "15", "16", "17", "80a", "80b", "80c", "OM-GEOM-INVALID"}


def test_ecdis_chart_1_gives_exactly_its_genuine_defects():
    found = validate_path(enc_path("ecdis-chart-1/ENC_ROOT/CATALOG.031"))
    assert errors_per_cell(found) == ECDIS_CHART_1_ERRORS
    soundings = [f for f in found if f.check_id == "1768"]
    assert all("shoaler than DRVAL1 50 m" in f.message_en and f.object_class == "SOUNDG" for f in soundings)


def test_committed_mandatory_table_is_the_catalogues():
    catalogue = enc_path("catalogue/ienc_fc_251.xml")
    assert table_text(catalogue) == TABLE_PATH.read_text(encoding="utf-8")
