"""The shipped object-class tables: GDAL's, extended with every Inland ENC class and binding."""

from __future__ import annotations

import csv
from pathlib import Path

from enc_chart.catalogue import DATA_DIR, attribute, object_class
from enc_chart.catalogue.build import build_tables, gdal_data_dir
from tests.enc.ingest_support import enc_path


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["Code"]: row for row in csv.DictReader(handle)}


def _attributes(row: dict[str, str]) -> set[str]:
    return {a for key in ("Attribute_A", "Attribute_B", "Attribute_C") for a in row[key].split(";") if a}


def test_the_committed_tables_are_what_the_catalogue_builds() -> None:
    built = build_tables(enc_path("catalogue/ienc_fc_251.xml"))
    for name, text in built.items():
        assert (DATA_DIR / name).read_text(encoding="utf-8") == text, name


def test_every_inland_class_of_the_reference_tables_is_there_with_its_attributes() -> None:
    """`s57csv-ienc` is a third party's extension of GDAL's tables for the same catalogue."""
    reference = _rows(enc_path("s57csv-ienc/s57objectclasses.csv"))
    ours = _rows(DATA_DIR / "s57objectclasses.csv")
    assert set(reference) <= set(ours)
    for code, row in reference.items():
        assert ours[code]["Acronym"] == row["Acronym"]
        assert _attributes(ours[code]) >= _attributes(row), row["Acronym"]


def test_gdal_rows_are_kept_and_inland_bindings_completed() -> None:
    gdal = _rows(gdal_data_dir() / "s57objectclasses.csv")
    ours = _rows(DATA_DIR / "s57objectclasses.csv")
    for code, row in gdal.items():
        assert _attributes(ours[code]) >= _attributes(row)
    # Inland ENC 2.5 binds these; GDAL's own rows lack them.
    distance_mark, inland_bridge = object_class("dismar"), object_class("bridge")
    assert distance_mark is not None and "hunits" in distance_mark.attributes
    assert inland_bridge is not None and "CATBRG" in inland_bridge.attributes


def test_free_text_attributes_are_strings_to_gdal() -> None:
    """GDAL knows types A E F I L S; the catalogue's T (e.g. `schref`) would be read as an integer."""
    for acronym in ("schref", "hignam", "vcrlev"):
        found = attribute(acronym)
        assert found is not None and found.type == "S", acronym
    types = {row["Attributetype"] for row in _rows(DATA_DIR / "s57attributes.csv").values()}
    assert types - {"N/A"} <= set("AEFILS")  # GDAL's own table marks a few rows N/A
