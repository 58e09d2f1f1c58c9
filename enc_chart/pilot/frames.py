"""Turn built features into `Cell` frames: record identity, typed attribute columns, EPSG:4326.

A feature is a (geometry in lon/lat, {attribute acronym: value}) pair. `FrameMaker` numbers
records the way an S-57 file does: RCID counts every feature record of the cell from 1; FOID
is (AGEN, FIDN, FIDS) with one FIDN per object class and FIDS counting within it; LNAM is GDAL's
hex spelling of FOID. Attribute columns are typed as GDAL reads them (enumerations and integers
as nullable integers, floats as floats, lists as comma-joined text, strings as text).

May import: `enc_chart.catalogue`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from enc_chart.catalogue import attribute, object_class

#: Classes of group 1 (the "skin of the earth"); every other class is group 2.
GROUP_1 = {"DEPARE", "DRGARE", "FLODOC", "HULKES", "LNDARE", "PONTON", "UNSARE", "depare", "ponton", "hulkes",
           "flodoc"}
PRIM = {"Point": 1, "MultiPoint": 1, "LineString": 2, "MultiLineString": 2, "Polygon": 3, "MultiPolygon": 3}
IDENTITY = ("RCID", "PRIM", "GRUP", "OBJL", "RVER", "AGEN", "FIDN", "FIDS", "LNAM")

Feature = tuple[BaseGeometry, dict[str, Any]]


def lnam(agen: int, fidn: int, fids: int) -> str:
    return f"{agen:04X}{fidn:08X}{fids:04X}"


def _column(acronym: str, values: list[Any]) -> pd.Series:
    kind = attribute(acronym).type if attribute(acronym) else "S"
    if kind in ("E", "I"):
        return pd.Series(values, dtype="Int64")
    if kind == "F":
        return pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")
    return pd.Series([None if v is None else str(v) for v in values], dtype="object")


@dataclass
class FrameMaker:
    agency: int
    fidn_base: int
    next_rcid: int = 1
    frames: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)

    def add(self, acronym: str, features: list[Feature], *, fids_group: list[int] | None = None) -> None:
        """Add a class's features. `fids_group` gives several rows one FOID (a multi-point sounding)."""
        cls = object_class(acronym)
        if cls is None:
            raise KeyError(f"目录中没有物标类 / object class {acronym} is not in the catalogue")
        attrs = [a for a in cls.attributes if any(props.get(a) is not None for _, props in features)]
        unknown = {k for _, props in features for k in props} - set(cls.attributes) - {"DEPTH"}
        if unknown:
            raise KeyError(f"{acronym}: 不属于该类的属性 / attributes not bound to the class: {sorted(unknown)}")
        groups = fids_group or list(range(len(features)))
        rcid_of: dict[int, int] = {}
        rows = []
        for (geom, _), group in zip(features, groups, strict=True):
            if group not in rcid_of:
                rcid_of[group] = self.next_rcid
                self.next_rcid += 1
            fids = group + 1
            rows.append({
                "RCID": rcid_of[group], "PRIM": PRIM[geom.geom_type], "GRUP": 1 if acronym in GROUP_1 else 2,
                "OBJL": cls.code, "RVER": 1, "AGEN": self.agency, "FIDN": self.fidn_base + cls.code,
                "FIDS": fids, "LNAM": lnam(self.agency, self.fidn_base + cls.code, fids),
            })
        frame = pd.DataFrame(rows, columns=list(IDENTITY)).astype(
            {c: "int32" for c in IDENTITY if c != "LNAM"})
        for acronym_attr in attrs:
            frame[acronym_attr] = _column(acronym_attr, [props.get(acronym_attr) for _, props in features])
        if acronym == "SOUNDG":
            frame["DEPTH"] = [float(props["DEPTH"]) for _, props in features]
        self.frames[acronym] = gpd.GeoDataFrame(frame, geometry=[g for g, _ in features], crs="EPSG:4326")
