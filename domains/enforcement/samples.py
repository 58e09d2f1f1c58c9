"""The enforcement domain's sample records (pure functions of the sample time) and their loader."""

from __future__ import annotations

from datetime import datetime, timedelta

from shapely.geometry import Point

from domains.enforcement import casebook, roster
from domains.enforcement.objects import inspection_objects
from domains.framework.domain import SampleContext
from domains.framework.sample_items import WorkflowItem, load_items, load_records
from layers.stores.base import FeatureRecord


def object_records() -> list[FeatureRecord]:
    return [FeatureRecord(Point(o.lon, o.lat), {
        "object_code": o.code, "name_zh": o.name_zh, "object_type": o.object_type,
        "credit_code": o.enterprise.credit_code if o.enterprise else None, "address": o.address,
        "supervision_level": o.level, "annual_inspections": o.annual_inspections, "adcode": o.adcode,
    }) for o in inspection_objects()]


def officer_records(now: datetime) -> list[FeatureRecord]:
    return [FeatureRecord(Point(o.unit.lon, o.unit.lat), {
        "officer_no": o.cert_no, "account": o.actor.id, "name_zh": o.actor.name_zh, "unit": o.unit.name_zh,
        "role": o.actor.role,
        "gender": o.gender, "cert_valid_until": o.cert_valid_until(now), "adcode": o.adcode,
    }) for o in roster.officers()]


def equipment_records(now: datetime) -> list[FeatureRecord]:
    return [FeatureRecord(Point(e.lon, e.lat), {
        "equipment_code": e.code, "name_zh": e.name_zh, "kind": e.kind, "unit": e.unit.name_zh,
        "status": e.status, "commissioned_on": (now - timedelta(days=e.age_days)).date(), "adcode": e.unit.adcode,
    }) for e in roster.equipment()]


def inspection_items(now: datetime) -> list[WorkflowItem]:
    return [s.walked.item for s in casebook.book(now).inspections]


def clue_items(now: datetime) -> list[WorkflowItem]:
    result = []
    for draft in casebook.book(now).clues:
        assert draft.walked is not None
        result.append(draft.walked.item)
    return result


def case_items(now: datetime) -> list[WorkflowItem]:
    result = []
    for draft in casebook.book(now).cases:
        assert draft.walked is not None
        result.append(draft.walked.item)
    return result


def plain_records(now: datetime) -> dict[str, list[FeatureRecord]]:
    """The layers without a workflow."""
    return {"enf_inspection_objects": object_records(), "enf_officers": officer_records(now),
            "enf_equipment": equipment_records(now)}


def workflow_items(now: datetime) -> dict[str, list[WorkflowItem]]:
    """The workflow layers' items with their histories."""
    return {"enf_inspections": inspection_items(now), "enf_clues": clue_items(now), "enf_cases": case_items(now)}


def load(context: SampleContext) -> dict[str, int]:
    written: dict[str, int] = {}
    for layer_id, records in plain_records(context.now).items():
        written.update(load_records(context, layer_id, records))
    for layer_id, items in workflow_items(context.now).items():
        written.update(load_items(context, layer_id, items))
    return written
