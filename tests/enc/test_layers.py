"""Layer definitions for a cell's classes: split by primitive, typed fields, Chinese-first titles."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

from enc_chart.layers import PROVENANCE, cells_layer, extended, layer_parts
from layers.model import FieldSpec, FieldType, GeometryType


def frame(rows: list[dict], geometries: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geometries, crs="EPSG:4326")


def test_a_class_with_points_and_areas_becomes_two_layers():
    buaare = frame([{"PRIM": 3, "OBJNAM": "A"}, {"PRIM": 1, "OBJNAM": "B"}, {"PRIM": 3, "OBJNAM": "C"}],
                   [box(0, 0, 1, 1), Point(5, 5), box(2, 2, 3, 3)])
    parts = {part.definition.id: part for part in layer_parts({"BUAARE": buaare})}
    assert set(parts) == {"enc_buaare", "enc_buaare_p"}
    areas, points = parts["enc_buaare"], parts["enc_buaare_p"]
    assert areas.definition.geometry_type is GeometryType.MULTIPOLYGON and list(areas.rows["OBJNAM"]) == ["A", "C"]
    assert points.definition.geometry_type is GeometryType.MULTIPOINT and list(points.rows["OBJNAM"]) == ["B"]
    assert areas.definition.title_zh == "建成区" and areas.definition.title_en == "Built-up area"
    assert points.definition.title_zh == "建成区（点）" and points.definition.title_en == "Built-up area (points)"
    assert areas.definition.catalogue_code != points.definition.catalogue_code
    assert areas.definition.domain == "waterway" and areas.definition.valid_extent == (-180.0, -90.0, 180.0, 90.0)


def test_fields_are_typed_from_the_catalogue_after_the_provenance_fields():
    depare = frame([{"PRIM": 3, "DRVAL1": 0.0, "DRVAL2": 1.9, "COLOUR": "3,1", "SCAMIN": 22000, "OBJNAM": "x",
                     "LNAM": "0001", "RCID": 1}], [box(0, 0, 1, 1)])
    (part,) = layer_parts({"DEPARE": depare})
    definition = part.definition
    assert definition.id == "enc_depare" and definition.title_zh == "水深区" and definition.title_en == "Depth area"
    assert definition.field_names[:len(PROVENANCE)] == tuple(spec.name for spec in PROVENANCE)
    types = {spec.name: spec.type for spec in definition.fields}
    assert types["drval1"] is FieldType.NUMBER and definition.field("drval1").unit == "m"
    assert types["colour"] is FieldType.STRING and types["scamin"] is FieldType.INTEGER
    assert types["cell_issue_date"] is FieldType.DATE and "rcid" not in types and "lnam" in types
    assert definition.field("drval1").title_zh == "最小水深"


def test_inland_classes_get_their_own_ids_and_an_inland_namesake_attribute_gets_i():
    gauge = frame([{"PRIM": 1, "catgag": 2, "CATGAG": 1}], [Point(0, 0)])
    buoys = frame([{"PRIM": 1, "COLOUR": "3"}], [Point(1, 1)])
    parts = {part.definition.id: part for part in layer_parts({"wtwgag": gauge, "boylat": buoys})}
    assert set(parts) == {"enc_i_wtwgag_p", "enc_i_boylat"}  # gauges may be areas too: points get _p
    assert parts["enc_i_wtwgag_p"].columns == {"catgag": "catgag_i", "CATGAG": "catgag"}
    assert parts["enc_i_wtwgag_p"].definition.title_zh == "水位站（点）"
    assert parts["enc_i_boylat"].definition.title_zh == "侧面浮标"


def test_a_class_without_geometry_is_a_point_layer_of_empty_features():
    aggr = frame([{"PRIM": 255, "LNAM_REFS": "A,B"}], [None])
    (part,) = layer_parts({"C_AGGR": aggr})
    assert part.definition.id == "enc_c_aggr" and part.definition.geometry_type is GeometryType.MULTIPOINT
    assert part.columns == {"LNAM_REFS": "lnam_refs"}


def test_a_class_without_a_chinese_name_gets_a_generic_title_and_its_english_name():
    (part,) = layer_parts({"TS_FEB": frame([{"PRIM": 3}], [box(0, 0, 1, 1)])})
    assert part.definition.title_zh == "电子航道图要素：Tidal stream - flood/ebb"
    assert part.definition.title_en == "ENC: Tidal stream - flood/ebb"


def test_extending_a_registered_layer_keeps_its_fields_and_appends_new_ones():
    index = cells_layer()
    narrowed = index.model_copy(update={"fields": index.fields[:3]})
    grown = extended(narrowed, index)
    assert grown.field_names == index.field_names
    custom = narrowed.model_copy(update={"fields": (*narrowed.fields[:2],
                                                    FieldSpec(name="cell_update", type="string", title_zh="更新"))})
    assert extended(custom, index).field("cell_update").type is FieldType.STRING  # stored type kept
    assert extended(index, index) is index


def test_only_attributes_with_a_value_become_fields_besides_those_the_chart_functions_read():
    bridges = frame([{"PRIM": 2, "VERCLR": None, "HORCLR": None, "CONDTN": None, "INFORM": "lifting bridge"}],
                    [None])
    (part,) = layer_parts({"BRIDGE": bridges})
    assert {"verclr", "horclr", "inform"} <= set(part.definition.field_names)
    assert "condtn" not in part.definition.field_names  # no value in this cell: not a field (yet)
