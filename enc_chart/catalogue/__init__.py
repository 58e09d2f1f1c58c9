"""The S-57 + Inland ENC object catalogue: GDAL's tables extended with the IEHG inland classes.

`s57_csv_dir()` is the folder GDAL's `S57_CSV` option must point at (`configure_gdal()` sets it
for this process); `object_class(acronym)` and `attribute(acronym)` answer what a class or
attribute is (code, name, type, bound attributes, primitives). The tables in `data/` are built by
`python -m enc_chart.catalogue.build` and committed.

May import: nothing of ours (pyogrio for GDAL's configuration).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyogrio

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class ObjectClass:
    code: int
    acronym: str  # as S-57 and GDAL spell it: upper case IHO, lower case inland (`DEPARE`, `boylat`)
    name: str
    attributes: tuple[str, ...]
    primitives: tuple[str, ...]  # "Point", "Line", "Area"
    kind: str  # "G" geographic, "M" meta, "C" collection, "$" cartographic

    @property
    def inland(self) -> bool:
        """An Inland ENC class (the IEHG codes from 17000 up)."""
        return self.code >= 17000


@dataclass(frozen=True)
class Attribute:
    code: int
    acronym: str
    name: str
    type: str  # S-57 attribute type: E enumerated, L list, F float, I integer, A code string, S/T free text


def s57_csv_dir() -> Path:
    return DATA_DIR


def configure_gdal() -> None:
    """Point GDAL's S-57 reader at the extended tables (process-wide, idempotent)."""
    pyogrio.set_gdal_config_options({"S57_CSV": str(DATA_DIR)})


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _split(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.split(";") if part)


@cache
def object_classes() -> dict[str, ObjectClass]:
    """Every class by acronym."""
    out = {}
    for row in _rows("s57objectclasses.csv"):
        attributes = _split(row["Attribute_A"]) + _split(row["Attribute_B"]) + _split(row["Attribute_C"])
        out[row["Acronym"]] = ObjectClass(int(row["Code"]), row["Acronym"], row["ObjectClass"], attributes,
                                          _split(row["Primitives"]), row["Class"])
    return out


@cache
def attributes() -> dict[str, Attribute]:
    """Every attribute by acronym."""
    return {row["Acronym"]: Attribute(int(row["Code"]), row["Acronym"], row["Attribute"], row["Attributetype"])
            for row in _rows("s57attributes.csv")}


def object_class(acronym: str) -> ObjectClass | None:
    return object_classes().get(acronym)


def attribute(acronym: str) -> Attribute | None:
    return attributes().get(acronym)
