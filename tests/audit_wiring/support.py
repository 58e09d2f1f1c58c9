"""Shared pieces of the audit-wiring tests: a plain point layer, reading what the trail gained."""

from __future__ import annotations

from typing import Any

from shapely.geometry import Point

from layers.model import LayerDefinition
from layers.protect import AuditRecord, AuditTrail
from layers.stores.base import FeatureRecord

POINTS = LayerDefinition.model_validate({
    "id": "aw_points", "title_zh": "审计测试点", "title_en": "Audit test points", "domain": "base",
    "catalogue_code": "JL-JT-TEST-0801", "geometry_type": "Point", "valid_extent": [120.0, 40.0, 132.0, 47.0],
    "read_roles": ["public"], "write_roles": ["safety_officer"],
    "fields": [{"name": "name", "type": "string", "title_zh": "名称", "max_length": 16},
               {"name": "lanes", "type": "integer", "title_zh": "车道数"}],
})


def point(i: int = 0, **properties: Any) -> FeatureRecord:
    return FeatureRecord(Point(125.3 + 0.01 * i, 43.85), {"name": f"点{i}", **properties})


class Trail:
    """The trail of a store, read as "what was appended since the last look"."""

    def __init__(self, store: Any) -> None:
        self.trail = AuditTrail(store)
        self.seen = self.trail.count()

    def new(self) -> list[AuditRecord]:
        records = self.trail.records(after_seq=self.seen)
        if records:
            self.seen = records[-1].seq
        return records

    def one(self) -> AuditRecord:
        records = self.new()
        assert len(records) == 1, [(r.action, r.detail.get("operation")) for r in records]
        return records[0]

    def intact(self) -> bool:
        return self.trail.verify() == []
