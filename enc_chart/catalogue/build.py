"""Build the extended S-57 object-class and attribute tables GDAL reads through `S57_CSV`.

GDAL ships IHO S-57 tables (`s57objectclasses.csv`, `s57attributes.csv`, …) with only part of the
Inland ENC classes; a cell's other inland features (lateral buoys `boylat`, waterway gauges
`wtwgag`, …) would fall into a "Generic" layer. This module adds every class and attribute of
the IEHG Inland ENC Feature Catalogue (XML) that GDAL's tables lack, keeping GDAL's rows as
they are, and writes the four tables to `enc_chart/catalogue/data/`, which is committed:

    python -m enc_chart.catalogue.build PATH/TO/ienc_fc_251.xml

A test rebuilds them from the catalogue (where the test data is present) and compares.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

import pyogrio

DATA_DIR = Path(__file__).resolve().parent / "data"
_NS = {"c": "http://ienc.openecdis.org"}
#: Feature-catalogue type → GDAL's class letter (G geographic, M meta, C collection).
_CLASS = {"G": "G", "M": "M", "O": "C"}
_PRIMITIVES = {"P": "Point", "L": "Line", "A": "Area"}
#: National-language attributes: GDAL's tables list them in the second attribute column.
_NATIONAL = {"NOBJNM", "NINFOM", "NTXTDS"}
OBJECT_HEADER = ["Code", "ObjectClass", "Acronym", "Attribute_A", "Attribute_B", "Attribute_C", "Class",
                 "Primitives"]
ATTRIBUTE_HEADER = ["Code", "Attribute", "Acronym", "Attributetype", "Class"]
COPIED = ("s57expectedinput.csv", "s57agencies.csv")


def gdal_data_dir() -> Path:
    path = pyogrio.get_gdal_data_path()
    if path is None or not (Path(path) / "s57objectclasses.csv").exists():
        raise FileNotFoundError("GDAL 数据目录中没有 S-57 表 / GDAL's data directory has no S-57 tables")
    return Path(path)


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _name(element: ET.Element) -> str:
    found = element.find("c:DataDictionaryReference/c:Name", _NS)
    return (found.text or "").strip() if found is not None else ""


def catalogue_classes(root: ET.Element) -> list[dict[str, str]]:
    """Every feature of the catalogue as a GDAL object-class row."""
    rows = []
    for feature in root.findall("c:Features/c:Feature", _NS):
        bindings = [b.get("acronym", "") for b in feature.findall("c:AttributeBinding", _NS)]
        primitives = [_PRIMITIVES[p] for p in feature.get("primitive", "").split(",") if p in _PRIMITIVES]
        rows.append({
            "Code": feature.get("code", ""),
            "ObjectClass": _name(feature),
            "Acronym": feature.get("acronym", ""),
            "Attribute_A": "".join(f"{a};" for a in bindings if a not in _NATIONAL),
            "Attribute_B": "".join(f"{a};" for a in bindings if a in _NATIONAL),
            "Attribute_C": ";",
            "Class": _CLASS.get(feature.get("type", "G"), "G"),
            "Primitives": "".join(f"{p};" for p in primitives),
        })
    return rows


def catalogue_attributes(root: ET.Element) -> list[dict[str, str]]:
    """Every attribute of the catalogue as a GDAL attribute row."""
    return [{
        "Code": attribute.get("code", ""),
        "Attribute": _name(attribute),
        "Acronym": attribute.get("acronym", ""),
        # GDAL knows A, E, F, I, L, S: the catalogue's T (free text) is S to GDAL.
        "Attributetype": {"T": "S"}.get(attribute.get("valueType", "A"), attribute.get("valueType", "A")),
        "Class": attribute.get("useType", "F").split(",")[0],
    } for attribute in root.findall("c:Attributes/c:Attribute", _NS)]


def merged(gdal_rows: list[dict[str, str]], extra: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """GDAL's rows, plus the catalogue's rows whose code GDAL does not have, in code order."""
    known = {row["Code"] for row in gdal_rows}
    added = [row for row in extra if row["Code"] not in known]
    return sorted([*gdal_rows, *added], key=lambda row: int(row["Code"]))


def with_catalogue_bindings(gdal_rows: list[dict[str, str]],
                            catalogue: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """GDAL's class rows with the attributes the catalogue binds to the same class code added.

    GDAL's tables hold an older binding of some inland classes: `dismar` without `hunits`, the
    inland `bridge` with `catbrg` where Inland ENC 2.5 binds `CATBRG`. Without the binding GDAL drops
    the attribute on reading and cannot write it."""
    by_code = {row["Code"]: row for row in catalogue}
    out = []
    for row in gdal_rows:
        extra = by_code.get(row["Code"])
        if extra is not None:
            have = {a for key in ("Attribute_A", "Attribute_B", "Attribute_C") for a in row[key].split(";") if a}
            more = [a for key in ("Attribute_A", "Attribute_B") for a in extra[key].split(";") if a and a not in have]
            if more:
                row = {**row, "Attribute_A": row["Attribute_A"] + "".join(f"{a};" for a in more)}
        out.append(row)
    return out


def _csv_text(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    out.write(",".join(f'"{h}"' for h in header) + "\n")  # GDAL's own header style
    for row in rows:
        writer.writerow({key: row.get(key, "") for key in header})
    return out.getvalue()


def build_tables(catalogue_xml: Path, gdal_dir: Path | None = None) -> dict[str, str]:
    """The extended tables' text by file name."""
    gdal_dir = gdal_dir or gdal_data_dir()
    root = ET.parse(catalogue_xml).getroot()
    catalogue = catalogue_classes(root)
    classes = merged(with_catalogue_bindings(_read_rows(gdal_dir / "s57objectclasses.csv"), catalogue), catalogue)
    attributes = merged(_read_rows(gdal_dir / "s57attributes.csv"), catalogue_attributes(root))
    return {"s57objectclasses.csv": _csv_text(OBJECT_HEADER, classes),
            "s57attributes.csv": _csv_text(ATTRIBUTE_HEADER, attributes)}


def write_tables(catalogue_xml: Path, out_dir: Path = DATA_DIR, gdal_dir: Path | None = None) -> list[Path]:
    gdal_dir = gdal_dir or gdal_data_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in build_tables(catalogue_xml, gdal_dir).items():
        (out_dir / name).write_text(text, encoding="utf-8")
        written.append(out_dir / name)
    for name in COPIED:
        shutil.copyfile(gdal_dir / name, out_dir / name)
        written.append(out_dir / name)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m enc_chart.catalogue.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("catalogue", type=Path, help="the IEHG Inland ENC feature catalogue (ienc_fc_*.xml)")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    for path in write_tables(args.catalogue, args.out):
        print(path)


if __name__ == "__main__":
    main()
