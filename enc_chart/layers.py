"""Store layers for a cell: one `LayerDefinition` per (object class, primitive), and the cell index.

Conventions (issue 4, shared by every part of `enc_chart`): layer ids and field names come from
`enc_chart.naming`; domain `waterway`; geometry MultiPoint / MultiLineString / MultiPolygon after
the primitive (a class without geometry — C_AGGR, C_ASSO, tisdge — gets a MultiPoint layer whose
features carry an empty geometry, so they are stored, counted and related but never drawn);
`valid_extent` the whole world. Fields: the provenance fields (`cell_name`, `cell_edition`,
`cell_update`, `cell_issue_date`, `lnam`, `foid` = "AGEN-FIDN-FIDS") first, then the class's
attributes present — those some feature of the cell has a value for, plus the `ALWAYS` ones the
chart functions read (`drval1`, `valsou`, `verclr` …) — typed E/L as text codes "3" / "3,1", F as
number, I as integer, A/S/T as text; `depth` (metres) for soundings and `lnam_refs` (the related
features' LNAMs) where GDAL gives them. A later cell with more attributes extends the layer.
Titles are Chinese first (`enc_chart.titles`), the catalogue's English name beside.

`enc_dsid` (from the DSID record) holds one feature per stored cell: its identity, edition and
update, issue date, the layers its features went into, and its coverage (M_COVR with CATCOV=1, else
the box of its features). The importer reads it to refuse stale editions.

May import: `enc_chart.*`, `layers.model`, geopandas, shapely, numpy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiLineString, MultiPoint, MultiPolygon

from enc_chart import naming
from enc_chart.catalogue import attribute, object_class
from enc_chart.titles import ATTRIBUTE_ZH, CLASS_ZH
from layers.access.rules import AccessRules
from layers.model import IDENTIFIER, FieldSpec, FieldType, GeometryType, LayerDefinition, TileSettings

log = logging.getLogger(__name__)

#: Navigation charts are published to everyone: anonymous callers read them in every mode.
CHART_ACCESS = AccessRules(public=True)

DOMAIN = "waterway"
WORLD = (-180.0, -90.0, 180.0, 90.0)
#: A chart shows every object from harbour/river scales on (zoom 12 ≈ 1:130 000 and larger): a buoy or
#: a bridge left out by thinning is a safety matter. Below, the platform's thinning keeps overviews light.
CHART_TILES = TileSettings(full_detail_zoom=12)
CELLS_LAYER = naming.layer_id("DSID")
#: Record identity columns GDAL adds to every class (kept as provenance, not as fields).
IDENTITY = frozenset({"RCID", "PRIM", "GRUP", "OBJL", "RVER", "AGEN", "FIDN", "FIDS", "LNAM", "FFPT_RIND"})
MAIN_ORDER = ("Area", "Line", "Point")
GEOMETRY = {"Point": GeometryType.MULTIPOINT, "Line": GeometryType.MULTILINESTRING,
            "Area": GeometryType.MULTIPOLYGON, None: GeometryType.MULTIPOINT}
EMPTY = {GeometryType.MULTIPOINT: MultiPoint(), GeometryType.MULTILINESTRING: MultiLineString(),
         GeometryType.MULTIPOLYGON: MultiPolygon()}
_TYPE_OF_ATTRIBUTE = {"E": FieldType.STRING, "L": FieldType.STRING, "F": FieldType.NUMBER,
                      "I": FieldType.INTEGER, "A": FieldType.STRING, "S": FieldType.STRING,
                      "T": FieldType.STRING}
_PRIMITIVE_OF_CODE = {1: "Point", 2: "Line", 3: "Area"}
_PRIMITIVE_OF_TYPE = {0: "Point", 4: "Point", 1: "Line", 2: "Line", 5: "Line", 3: "Area", 6: "Area"}
_SUFFIX = {"Point": ("点", "points", "P"), "Line": ("线", "lines", "L"), "Area": ("面", "areas", "A")}
#: Attributes every layer of a class that may carry them gets, even when this cell leaves them empty:
#: what portrayal, safety and route checks read. Other attributes become fields once a cell has a value.
ALWAYS = frozenset({"DRVAL1", "DRVAL2", "VALDCO", "VALSOU", "VERCLR", "VERCCL", "VERCOP", "VERCSA", "HORCLR",
                    "HORWID", "OBJNAM", "NOBJNM", "COLOUR", "COLPAT", "CATLAM", "catlam", "BOYSHP", "BCNSHP",
                    "CATBRG", "catbrg", "CATCOV", "EXPSOU", "QUASOU", "WATLEV", "SCAMIN", "RESTRN", "wtwdis",
                    "DEPTH"})
_METRES = frozenset({"DRVAL1", "DRVAL2", "VALSOU", "VALDCO", "DEPTH", "VERCLR", "VERCCL", "VERCOP", "VERCSA",
                     "HORCLR", "HORWID", "HORLEN", "HEIGHT", "ELEVAT"})

PROVENANCE = (
    FieldSpec(name="cell_name", type=FieldType.STRING, title_zh="海图单元", title_en="Cell name", required=True),
    FieldSpec(name="cell_edition", type=FieldType.INTEGER, title_zh="版次", title_en="Edition (EDTN)"),
    FieldSpec(name="cell_update", type=FieldType.INTEGER, title_zh="更新号", title_en="Update number (UPDN)"),
    FieldSpec(name="cell_issue_date", type=FieldType.DATE, title_zh="发布日期", title_en="Issue date (ISDT)"),
    FieldSpec(name="lnam", type=FieldType.STRING, title_zh="要素长名", title_en="Feature long name (LNAM)"),
    FieldSpec(name="foid", type=FieldType.STRING, title_zh="要素标识", title_en="Feature object id (AGEN-FIDN-FIDS)"),
)


@dataclass(frozen=True)
class LayerPart:
    """The features of one object class that go into one store layer, and that layer's definition."""

    acronym: str
    primitive: str | None  # "Point", "Line", "Area"; None for a class without geometry
    definition: LayerDefinition
    columns: dict[str, str]  # frame column → field name
    rows: gpd.GeoDataFrame


def layer_parts(layers: dict[str, gpd.GeoDataFrame]) -> list[LayerPart]:
    """Split a cell's classes by primitive into store layers (classes that cannot be named are logged
    and left out)."""
    parts = []
    for acronym, frame in layers.items():
        if not IDENTIFIER.match(naming.layer_id(acronym)):
            log.warning("object class %r has no valid layer id: %d features left out", acronym, len(frame))
            continue
        columns = _columns(acronym, frame)
        primitives = _primitives(frame)
        known = object_class(acronym)
        possible = known.primitives if known is not None and known.primitives else \
            tuple(p for p in MAIN_ORDER if p in set(primitives.tolist()))
        main = next((p for p in MAIN_ORDER if p in possible), None)
        assigned = [main if p is None else p for p in primitives.tolist()]
        for primitive in dict.fromkeys(assigned):
            rows = frame[np.array([p == primitive for p in assigned], dtype=bool)]
            layer_id = naming.layer_id(acronym, primitive, possible) if primitive else naming.layer_id(acronym)
            definition = class_layer(layer_id, acronym, primitive, primitive == main, columns, frame)
            parts.append(LayerPart(acronym, primitive, definition, columns, rows))
    return parts


def class_layer(layer_id: str, acronym: str, primitive: str | None, main: bool, columns: dict[str, str],
                frame: gpd.GeoDataFrame) -> LayerDefinition:
    known = object_class(acronym)
    name_en = known.name if known is not None else acronym
    zh = CLASS_ZH.get(acronym)
    title_zh, title_en = (zh, name_en) if zh else (f"电子航道图要素：{name_en}", f"ENC: {name_en}")
    code = f"JL-JT-HD-ENC-{known.code if known else 0:05d}"
    if primitive is not None and not main:
        suffix_zh, suffix_en, letter = _SUFFIX[primitive]
        title_zh, title_en, code = f"{title_zh}（{suffix_zh}）", f"{title_en} ({suffix_en})", f"{code}-{letter}"
    fields = PROVENANCE + tuple(_field(column, name, frame.dtypes[column]) for column, name in columns.items())
    return LayerDefinition(
        id=layer_id, title_zh=title_zh, title_en=title_en, domain=DOMAIN, catalogue_code=code,
        description_zh=f"电子航道图物标类 {acronym}（{name_en}，S-57/Inland ENC 代码 {known.code if known else '?'}），"
                       "由导入的海图单元生成 / ENC object class from imported cells",
        geometry_type=GEOMETRY[primitive], fields=fields, valid_extent=WORLD, tiles=CHART_TILES,
        keywords=("电子航道图", "ENC", "S-57", acronym), access=CHART_ACCESS)


def cells_layer() -> LayerDefinition:
    """The cell index `enc_dsid`: one feature per stored cell, its coverage as geometry."""
    spec = FieldSpec
    return LayerDefinition(
        id=CELLS_LAYER, title_zh="海图单元", title_en="ENC cells (DSID)", domain=DOMAIN,
        catalogue_code="JL-JT-HD-ENC-00000", geometry_type=GeometryType.MULTIPOLYGON, valid_extent=WORLD,
        description_zh="已导入的电子航道图单元：版次、更新号、发布日期、覆盖范围 / imported ENC cells",
        keywords=("电子航道图", "ENC", "S-57", "DSID"), access=CHART_ACCESS,
        fields=(*PROVENANCE[:4],
                spec(name="cell_edition_date", type=FieldType.DATE, title_zh="版次日期",
                     title_en="Edition date (UADT)"),
                spec(name="agency", type=FieldType.INTEGER, title_zh="生产机构代码",
                     title_en="Producing agency (AGEN)"),
                spec(name="updates_applied", type=FieldType.STRING, title_zh="已应用的更新文件",
                     title_en="Update files applied"),
                spec(name="source_file", type=FieldType.STRING, title_zh="源文件", title_en="Source file"),
                spec(name="feature_count", type=FieldType.INTEGER, title_zh="要素数", title_en="Features"),
                spec(name="layer_ids", type=FieldType.STRING, title_zh="所在图层",
                     title_en="Layers holding its features"),
                spec(name="imported_at", type=FieldType.DATETIME, title_zh="导入时间", title_en="Imported at")))


def extended(existing: LayerDefinition, new: LayerDefinition) -> LayerDefinition:
    """`existing` with the fields of `new` it lacks appended (stored fields keep their place and type),
    and the chart's tile settings when it was registered with the platform's defaults (before them)."""
    have = set(existing.field_names)
    added = tuple(spec for spec in new.fields if spec.name not in have)
    tiles = new.tiles if existing.tiles == TileSettings() else existing.tiles
    access = new.access if existing.access == AccessRules() else existing.access
    if not added and tiles == existing.tiles and access == existing.access:
        return existing
    return LayerDefinition.model_validate({**existing.model_dump(), "fields": existing.fields + added,
                                           "tiles": tiles.model_dump(), "access": access.model_dump()})


def coverage(layers: dict[str, gpd.GeoDataFrame]) -> MultiPolygon:
    """Where the cell has data: its M_COVR areas with CATCOV=1, else the box of all its features."""
    covr = layers.get("M_COVR")
    if covr is not None and "CATCOV" in covr.columns:
        chosen = covr[covr["CATCOV"].astype(str).isin(["1", "1.0"]) & covr.geometry.notna()]
        try:
            union = shapely.union_all(shapely.make_valid(chosen.geometry.to_numpy())) if len(chosen) else None
        except shapely.errors.GEOSException:  # a coverage GEOS cannot union: fall back to the box
            union = None
        polygons = [g for g in getattr(union, "geoms", [union]) if g is not None and g.geom_type == "Polygon"]
        if polygons:
            return MultiPolygon(polygons)
    boxes = [frame.geometry.total_bounds for frame in layers.values() if frame.geometry.notna().any()]
    finite = [b for b in boxes if np.isfinite(b).all()]
    if not finite:
        return MultiPolygon()
    minx, miny = min(b[0] for b in finite), min(b[1] for b in finite)
    maxx, maxy = max(b[2] for b in finite), max(b[3] for b in finite)
    return MultiPolygon([shapely.box(minx, miny, max(maxx, minx + 1e-9), max(maxy, miny + 1e-9))])


def _columns(acronym: str, frame: gpd.GeoDataFrame) -> dict[str, str]:
    """Attribute columns → field names; IHO acronyms named first, so an inland namesake gets `_i`."""
    geometry = frame.geometry.name
    candidates = [c for c in frame.columns if c != geometry and c not in IDENTITY]
    present = frame[candidates].notna().any()
    known = object_class(acronym)
    universe = dict.fromkeys([*(known.attributes if known else ()), *candidates])  # names stable across cells
    ordered = sorted(universe, key=lambda c: naming.is_inland_acronym(c))
    taken = {spec.name for spec in PROVENANCE}
    names: dict[str, str] = {}
    for column in ordered:
        name = naming.field_name(column, taken)
        if not IDENTIFIER.match(name):
            log.warning("%s: attribute %r has no valid field name: left out", acronym, column)
            continue
        taken.add(name)
        names[column] = name
    return {column: names[column] for column in candidates
            if column in names and (column in ALWAYS or bool(present[column]))}


def _field(column: str, name: str, dtype: object) -> FieldSpec:
    spec = attribute(column)
    if spec is not None:
        kind = _TYPE_OF_ATTRIBUTE.get(spec.type, FieldType.STRING)
        title_en = spec.name
    else:
        kind = FieldType.NUMBER if column == "DEPTH" or getattr(dtype, "kind", "") == "f" else \
            FieldType.INTEGER if getattr(dtype, "kind", "") in "iu" else FieldType.STRING
        title_en = "Depth" if column == "DEPTH" else column
    return FieldSpec(name=name, type=kind, title_zh=ATTRIBUTE_ZH.get(column, f"属性 {column}"), title_en=title_en,
                     description=f"S-57 {column}", unit="m" if column in _METRES else None)


def _primitives(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Per row: "Point" / "Line" / "Area" from the geometry, else from PRIM, else None."""
    geometries = frame.geometry.to_numpy()
    types = shapely.get_type_id(geometries)
    empty = shapely.is_empty(geometries) | (types < 0)
    out = np.array([_PRIMITIVE_OF_TYPE.get(int(t)) for t in types], dtype=object)
    if empty.any():
        prim = frame["PRIM"].to_numpy() if "PRIM" in frame.columns else np.full(len(frame), None, dtype=object)
        out[empty] = [_PRIMITIVE_OF_CODE.get(int(p)) if p is not None and p == p else None for p in prim[empty]]
    return out
