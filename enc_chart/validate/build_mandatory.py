"""Build the table of mandatory attributes per object class from the IEHG Inland ENC Feature Catalogue.

The catalogue (XML) binds attributes to each feature class with a usage: M mandatory, C
conditional, O optional. The product does not ship the catalogue, so the M bindings are extracted
once into `enc_chart/validate/mandatory_attributes.json`, which is committed:

    python -m enc_chart.validate.build_mandatory PATH/TO/ienc_fc_251.xml

A test rebuilds the table from the catalogue (where the test data is present) and compares.
"""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from pathlib import Path

TABLE_PATH = Path(__file__).resolve().parent / "mandatory_attributes.json"
_NS = {"c": "http://ienc.openecdis.org"}


def mandatory_classes(catalogue_xml: Path) -> tuple[str, dict[str, list[str]]]:
    """(where the table comes from, {acronym: [mandatory attribute acronyms, in catalogue order]})."""
    root = ET.parse(catalogue_xml).getroot()
    header = root.find("c:Header", _NS)
    edition = header.get("edition", "?") if header is not None else "?"
    classes: dict[str, list[str]] = {}
    for feature in root.findall("c:Features/c:Feature", _NS):
        mandatory = [b.get("acronym", "") for b in feature.findall("c:AttributeBinding", _NS) if b.get("usage") == "M"]
        if mandatory:
            classes[feature.get("acronym", "")] = mandatory
    source = f"IEHG Inland ENC Feature Catalogue {edition} ({catalogue_xml.name}), AttributeBinding usage=M"
    return source, dict(sorted(classes.items()))


def table_text(catalogue_xml: Path) -> str:
    """The table as JSON, one class per line (short diffs when the catalogue changes)."""
    source, classes = mandatory_classes(catalogue_xml)
    rows = ",\n".join(f"  {json.dumps(name)}: {json.dumps(attrs)}" for name, attrs in classes.items())
    return f'{{\n "source": {json.dumps(source)},\n "classes": {{\n{rows}\n }}\n}}\n'


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m enc_chart.validate.build_mandatory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("catalogue", type=Path, help="the IEHG Inland ENC feature catalogue (ienc_fc_*.xml)")
    parser.add_argument("--out", type=Path, default=TABLE_PATH)
    args = parser.parse_args(argv)
    args.out.write_text(table_text(args.catalogue), encoding="utf-8")
    print(args.out)

if __name__ == "__main__":
    main()
