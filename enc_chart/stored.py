"""Read a stored cell back from the store into a `Cell` (what `onemap enc export` writes out).

The inverse of the importer's layout (`enc_chart.layers`): the cell index `enc_dsid` gives the
cell's identity and the layers holding its features; each layer's last keyword is its object
class; field names map back to attribute acronyms through the class's catalogue entry (`drval1`
→ DRVAL1, an inland namesake's `catgag_i` → catgag); `foid` ("AGEN-FIDN-FIDS") and `lnam` give the
record identity, RCID is renumbered, PRIM follows the geometry and OBJL the catalogue. Multi
geometries of one part become single ones, as GDAL gives them. Feature-to-feature relationships
are not stored with their relationship indicators, so they are not rebuilt.

May import: `enc_chart.*`, `layers.*`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import shape

from enc_chart.catalogue import attribute, object_class
from enc_chart.cell import Cell, CellInfo
from enc_chart.errors import ChartInputError
from enc_chart.layers import CELLS_LAYER, PROVENANCE
from enc_chart.pilot.frames import GROUP_1
from layers.model import LayerDefinition
from layers.registry import LayerRegistry

_PRIM = {"Point": 1, "LineString": 2, "Polygon": 3}
_SKIP = {spec.name for spec in PROVENANCE} | {"lnam_refs"}


def _acronyms(acronym: str, layer: LayerDefinition) -> dict[str, str]:
    cls = object_class(acronym)
    bound = cls.attributes if cls else ()
    out = {}
    for spec in layer.fields:
        if spec.name in _SKIP:
            continue
        if spec.name == "depth":
            out[spec.name] = "DEPTH"
            continue
        base, inland = (spec.name[:-2], True) if spec.name.endswith("_i") else (spec.name, False)
        match = [a for a in bound if a.lower() == base and (a.islower() if inland else True)]
        match.sort(key=lambda a: a.islower())  # the IHO acronym owns the plain name
        if match:
            out[spec.name] = match[-1] if inland else match[0]
    return out


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _single(geom: shapely.Geometry) -> shapely.Geometry:
    parts = shapely.get_parts(geom)
    return parts[0] if len(parts) == 1 else geom


def _value(acronym: str, value: Any) -> Any:
    spec = attribute(acronym)
    if value is None or spec is None or spec.type not in ("E", "I"):
        return value
    return int(float(value))


def stored_cell(registry: LayerRegistry, name: str) -> Cell:
    """The cell `name` as the store holds it (ChartInputError when the store has no such cell)."""
    layers = {layer.id: layer for layer in registry.all()}
    index = layers.get(CELLS_LAYER)
    row = None
    if index is not None:
        for batch in registry.store.iter_records(index):
            row = next((f.properties for f in batch if f.properties.get("cell_name") == name), row)
    if row is None:
        raise ChartInputError(f"库中没有海图单元 / the store holds no cell {name}")
    info = CellInfo(name=name, edition=int(row["cell_edition"]), update=int(row["cell_update"] or 0),
                    issue_date=_date(row.get("cell_issue_date")), edition_date=_date(row.get("cell_edition_date")),
                    agency=int(row["agency"]) if row.get("agency") is not None else None)
    frames: dict[str, gpd.GeoDataFrame] = {}
    rcid = 0
    for layer_id in str(row.get("layer_ids") or "").split(","):
        layer = layers.get(layer_id.strip())
        if layer is None:
            continue
        acronym = layer.keywords[-1]
        cls = object_class(acronym)
        if cls is None:
            continue
        names = _acronyms(acronym, layer)
        rows, geoms = [], []
        for batch in registry.store.iter_records(layer):
            for feature in batch:
                props = feature.properties
                if props.get("cell_name") != name:
                    continue
                geom = _single(shape(feature.geometry)) if feature.geometry else None
                agen, fidn, fids = (int(v) for v in str(props["foid"]).split("-"))
                rcid += 1
                record = {"RCID": rcid, "PRIM": _PRIM.get(getattr(geom, "geom_type", ""), 255),
                          "GRUP": 1 if acronym in GROUP_1 else 2, "OBJL": cls.code, "RVER": 1, "AGEN": agen,
                          "FIDN": fidn, "FIDS": fids, "LNAM": props.get("lnam")}
                record.update({acr: _value(acr, props.get(field)) for field, acr in names.items()})
                rows.append(record)
                geoms.append(geom)
        if rows:
            frame = pd.DataFrame(rows)
            frames[acronym] = gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326")
    return Cell(info=info, layers=frames)
