"""Layer definitions shared by several test packages (a road layer with every field type)."""

from __future__ import annotations

from layers.model import CodeListEntry, FieldSpec, FieldType, GeometryType, LayerDefinition

ROADS = LayerDefinition(
    id="roads",
    title_zh="测试道路",
    title_en="Test roads",
    domain="base",
    catalogue_code="JL-JT-TEST-0001",
    geometry_type=GeometryType.MULTILINESTRING,
    fields=(
        FieldSpec(name="name", type=FieldType.STRING, title_zh="名称", required=True, max_length=50),
        FieldSpec(name="route_code", type=FieldType.STRING, title_zh="路线编号", max_length=10),
        FieldSpec(name="road_class", type=FieldType.STRING, title_zh="技术等级",
                  enum=(CodeListEntry(code="expressway", label_zh="高速公路"),
                        CodeListEntry(code="national", label_zh="国道"))),
        FieldSpec(name="lanes", type=FieldType.INTEGER, title_zh="车道数", minimum=1, maximum=12),
        FieldSpec(name="length_km", type=FieldType.NUMBER, title_zh="长度", unit="km"),
        FieldSpec(name="tolled", type=FieldType.BOOLEAN, title_zh="收费"),
        FieldSpec(name="opened", type=FieldType.DATE, title_zh="通车日期"),
        FieldSpec(name="inspected_at", type=FieldType.DATETIME, title_zh="检查时间"),
    ),
    temporal_field="inspected_at",
    valid_extent=(120.0, 40.0, 132.0, 47.0),
    style_id="roads",
)
