"""Mandatory attributes (IEHG Inland ENC Feature Catalogue 2.5.1, usage M) and mandatory meta objects (505).

The table comes from `mandatory_attributes.json` (built by `build_mandatory`). Two attributes are
left to the dedicated checks so that one fault gives one finding: DRVAL1 of depth areas
(`depths`, OM-DRVAL) and VERCLR of overhead cables and pipelines (`clearance`, 507). "Given"
follows S-57: encoded, even with an empty value meaning unknown (see `encoded`); the attribute
of the same name under the other case counts too (the pilot chart and GDAL's tables give the
inland bridge `catbrg`, 17006, where the 2.5 catalogue binds CATBRG, 9). SCAMIN,
mandatory for almost every class since Inland ENC 2.5 but absent from cells of earlier editions
and from IHO ENCs, is reported as one warning per class with the count (OM-MANDATORY-SCAMIN); so
are the other attributes for cells of other products or earlier editions (OM-MANDATORY-EDITION).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from enc_chart.catalogue import attribute, object_class
from enc_chart.cell import Cell
from enc_chart.validate.access import number, present
from enc_chart.validate.encoded import Encoded
from enc_chart.validate.finding import FeatureRef, Finding, feature_ref, finding

#: Built by `python -m enc_chart.validate.build_mandatory` (kept apart so that module runs as a script).
TABLE_PATH = Path(__file__).resolve().parent / "mandatory_attributes.json"
COVERED_ELSEWHERE = {("DEPARE", "DRVAL1"), ("depare", "DRVAL1"), ("DRGARE", "DRVAL1"),
                     ("cblohd", "VERCLR"), ("pipohd", "VERCLR"), ("CBLOHD", "VERCLR"), ("PIPOHD", "VERCLR")}
WARNING_ONLY = {"SCAMIN"}
META_REQUIRED = ("M_COVR", "M_NSYS", "M_QUAL")


@cache
def mandatory_attributes() -> dict[str, tuple[str, ...]]:
    """Object class acronym → its mandatory attributes."""
    table = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    return {name: tuple(attrs) for name, attrs in table["classes"].items()}


@cache
def twins(acronym: str) -> tuple[str, ...]:
    """The attribute of the same name under the other case: the Inland ENC code GDAL's tables bind
    (`catbrg`, 17006) for the IHO one the catalogue binds (CATBRG, 9), and the other way round."""
    spec, other = attribute(acronym), attribute(acronym.swapcase())
    return (other.acronym,) if spec is not None and other is not None and other.name == spec.name else ()


def _missing(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(True, index=frame.index)
    return ~frame[column].map(present).astype(bool)


def check_mandatory(cell: Cell, encoded: Encoded | None = None) -> list[Finding]:
    """Features lacking mandatory attributes.

    An attribute counts as given when GDAL has a value for it or, with `encoded` (the file's own
    records), when the feature encodes it at all, an empty value ("unknown") included. A cell of
    Inland ENC 2.5 or later, or one built in memory (the pilot chart), gets one error per feature
    (OM-MANDATORY); a cell of another product or an earlier edition, which the 2.5 catalogue does
    not bind, one warning per class (OM-MANDATORY-EDITION). SCAMIN: one warning per class.
    """
    strict = encoded is None or encoded.inland_25
    out = []
    for acronym, frame in cell.layers.items():
        required = [a for a in mandatory_attributes().get(acronym, ()) if (acronym, a) not in COVERED_ELSEWHERE]
        if not required or not len(frame):
            continue
        lacking = _lacking(acronym, frame, required, encoded)
        others = [(ref, [a for a in absent if a not in WARNING_ONLY]) for ref, absent in lacking]
        others = [(ref, absent) for ref, absent in others if absent]
        if strict:
            for ref, absent in others:
                names = ", ".join(absent)
                out.append(finding("OM-MANDATORY", f"{ref.label} 缺少必填属性 {names}",
                                   f"{ref.label} lacks mandatory attribute(s) {names}", feature=ref))
        elif others:
            names = ", ".join(sorted({a for _, absent in others for a in absent}))
            first, count, product = others[0][0], len(others), encoded.product_label if encoded else ""
            out.append(finding("OM-MANDATORY-EDITION",
                               f"{count} 个 {acronym} 要素缺少 Inland ENC 2.5 要求的 {names}（本图幅为 {product}），如 "
                               f"{first.label}", f"{count} {acronym} feature(s) lack {names}, mandatory in the Inland "
                               f"ENC 2.5 catalogue (the cell is {product}), e.g. {first.label}", feature=first))
        no_scale = [ref for ref, absent in lacking if set(absent) & WARNING_ONLY]
        if no_scale:
            first, count = no_scale[0], len(no_scale)
            out.append(finding("OM-MANDATORY-SCAMIN", f"{count} 个 {acronym} 要素缺少 SCAMIN（Inland ENC 2.5 必填），"
                               f"如 {first.label}", f"{count} {acronym} feature(s) lack SCAMIN (mandatory in Inland "
                               f"ENC 2.5), e.g. {first.label}", feature=first))
    return out


def _lacking(acronym: str, frame: pd.DataFrame, required: list[str],
             encoded: Encoded | None) -> list[tuple[FeatureRef, list[str]]]:
    """(feature, the required attributes it does not give), once per feature (split multipoints)."""
    names = {wanted: (wanted, *twins(wanted)) for wanted in required}
    missing = {wanted: np.logical_and.reduce([_missing(frame, name).to_numpy() for name in names[wanted]])
               for wanted in required}
    rcids = frame["RCID"].map(number).tolist() if "RCID" in frame else [None] * len(frame)
    seen: set[tuple[object, ...]] = set()
    out = []
    for position, value in enumerate(rcids):
        rcid = int(value) if value is not None else None
        absent = [a for a in required if missing[a][position]
                  and not (encoded and any(encoded.has(rcid, name) for name in names[a]))]
        if not absent:
            continue
        ref = feature_ref(acronym, frame.iloc[position])
        key = (ref.rcid, ref.foid, ref.lnam)
        if key not in seen:
            seen.add(key)
            out.append((ref, absent))
    return out


def check_meta_objects(cell: Cell) -> list[Finding]:
    """S-58 505: M_COVR, M_NSYS and M_QUAL must exist (the Inland ENC `m_nsys` counts for M_NSYS).

    An Inland ENC (a cell with inland object classes) is not held to M_QUAL: the Inland ENC
    Product Specification leaves mandatory meta features to the Encoding Guide, and the IEHG's own
    5I7IN230 has none.
    """
    present_classes = {name.upper() for name, frame in cell.layers.items() if len(frame)}
    inland = any((spec := object_class(name)) is not None and spec.inland for name in cell.layers)
    absent = [name for name in META_REQUIRED if name not in present_classes and not (inland and name == "M_QUAL")]
    if not absent:
        return []
    names = ", ".join(absent)
    return [finding("505", f"图幅缺少必需的元对象 {names}", f"the cell lacks the mandatory meta object(s) {names}")]
