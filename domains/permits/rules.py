"""The permits domain's spatial rule: check an oversize-transport application's route and record it.

`OversizeRouteCheckRule` wakes when an application of `per_oversize_applications` is created or
changed, and on request (`requested` with that layer; payload `fid`). `check_application` runs
`route_check.check` and `duplicates.find_duplicates`, then writes:

1. the application's `check_status`, `check_summary` and `duplicate_of` — one `replace` (one
   transaction) guarded by the version it read, every other field (the supervision fields
   included) as it was; nothing is written when nothing changed, so a rule woken by its own write
   settles at once;
2. its findings in `per_route_findings` (a point at each failing bridge and closure), replaced as
   one partition per application (one transaction);
3. `duplicate_of` of the other applications it duplicates (and of those it no longer duplicates).
May import: `layers`, `domains.base`, `domains.framework`, `domains.permits`; never `gis_server`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shapely.geometry import Point

from domains.base.linear_ref import format_reference, road_index
from domains.framework.rules import Finding, Rule, RuleContext, RuleEvent, RuleResult, Trigger
from domains.permits.duplicates import Duplicate, find_duplicates, same_plate
from domains.permits.route_check import CheckOutcome, check
from layers.errors import InvalidQuery, LayerNotFound, VersionConflict
from layers.model import LayerDefinition
from layers.query import OutputCrs, StoredFeature
from layers.registry import LayerRegistry
from layers.stores.base import FeatureRecord, PartitionChange
from layers.validation.rules import check_geometry, check_properties, parse_geojson_geometry

APPLICATIONS_LAYER = "per_oversize_applications"
RULE_ID = "permits.oversize_route_check"
STORAGE_LONLAT = OutputCrs(4490, lat_first=False)
#: Attempts at writing an application whose version moved between reading and writing.
WRITE_ATTEMPTS = 3
#: Between the application numbers in `duplicate_of`.
DUPLICATE_SEPARATOR = ";"

_KIND = [
    {"code": "overweight", "label_zh": "超载", "label_en": "overweight"},
    {"code": "overheight", "label_zh": "超高", "label_en": "overheight"},
    {"code": "closure", "label_zh": "封闭", "label_en": "closure"},
]

FINDINGS_LAYER = LayerDefinition.model_validate({
    "id": "per_route_findings",
    "title_zh": "大件运输路线核查问题点",
    "title_en": "Oversize permit route findings",
    "description_zh": "大件运输许可申请路线核查发现的问题：超载桥梁、超高桥梁、有效期内的封闭路段，每个问题一个点。",
    "domain": "permits",
    "catalogue_code": "JL-JT-XK-0090",
    "geometry_type": "Point",
    "temporal_field": "checked_at",
    "min_zoom": 5,
    "max_zoom": 20,
    "valid_extent": [120.5, 40.0, 132.0, 47.0],
    "keywords": ["行政许可", "大件运输", "路线核查", "oversize permit"],
    # the findings tell what the applications say: read by those who may read the applications
    "read_roles": ["applicant", "permit_officer", "route_inspector", "permit_approver", "supervisor"],
    "fields": [
        {"name": "application_fid", "type": "integer", "title_zh": "申请要素号", "title_en": "Application fid",
         "required": True},
        {"name": "application_no", "type": "string", "title_zh": "申请编号", "title_en": "Application no.",
         "max_length": 32},
        {"name": "kind", "type": "string", "title_zh": "问题类型", "title_en": "Kind", "required": True,
         "max_length": 16, "enum": _KIND},
        {"name": "bridge_code", "type": "string", "title_zh": "桥梁编码", "title_en": "Bridge code", "max_length": 32},
        {"name": "event_no", "type": "string", "title_zh": "事件编号", "title_en": "Event no.", "max_length": 32},
        {"name": "name_zh", "type": "string", "title_zh": "名称", "title_en": "Name", "max_length": 64},
        {"name": "route_code", "type": "string", "title_zh": "路线编码", "title_en": "Route code", "max_length": 16},
        {"name": "stake_m", "type": "number", "title_zh": "桩号", "title_en": "Stake", "unit": "m"},
        {"name": "stake_label", "type": "string", "title_zh": "桩号标注", "title_en": "Stake label", "max_length": 32},
        {"name": "limit_value", "type": "number", "title_zh": "限值", "title_en": "Limit"},
        {"name": "requested_value", "type": "number", "title_zh": "申请值", "title_en": "Requested"},
        {"name": "unit", "type": "string", "title_zh": "单位", "title_en": "Unit", "max_length": 8},
        {"name": "message", "type": "string", "title_zh": "说明", "title_en": "Message", "max_length": 500},
        {"name": "checked_at", "type": "datetime", "title_zh": "核查时间", "title_en": "Checked at"},
    ],
})


@dataclass(slots=True)
class CheckReport:
    """What a check found and wrote."""

    fid: int
    application_no: str | None
    outcome: CheckOutcome
    duplicates: list[Duplicate]
    written: list[tuple[str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fid": self.fid, "application_no": self.application_no, "check_status": self.outcome.status,
            "check_summary": self.outcome.summary, "duplicate_of": duplicate_text(self.duplicates),
            "bridges_on_route": self.outcome.bridges_on_route,
            "problems": [{"kind": p.kind, "message": p.text, "lon": p.lon, "lat": p.lat, **p.properties}
                         for p in self.outcome.problems],
            "duplicates": [{"fid": d.fid, "application_no": d.application_no, "route_share": round(d.share, 3)}
                           for d in self.duplicates],
        }


def duplicate_text(duplicates: list[Duplicate]) -> str | None:
    return DUPLICATE_SEPARATOR.join(d.application_no for d in duplicates) or None


def _numbers(value: Any) -> list[str]:
    return [part for part in re.split(r"[,，;；\s]+", str(value or "")) if part]


def _fit(layer: LayerDefinition, name: str, value: str | None) -> str | None:
    spec = layer.field(name)
    if value is None or spec is None or spec.max_length is None or len(value) <= spec.max_length:
        return value
    return value[: spec.max_length - 1] + "…"


def _write(registry: LayerRegistry, layer: LayerDefinition, current: StoredFeature, updates: dict[str, Any]) -> bool:
    """Replace the feature with `updates` applied (only fields the layer has); False if nothing changed."""
    updates = {k: _fit(layer, k, v) if isinstance(v, str) else v for k, v in updates.items() if layer.field(k)}
    if all(current.properties.get(k) == v for k, v in updates.items()):
        return False
    geometry = check_geometry(layer, parse_geojson_geometry(current.geometry))
    record = FeatureRecord(geometry, check_properties(layer, {**current.properties, **updates}))
    registry.store.replace(layer, current.fid, record, expected_version=current.version)
    return True


def _findings(report: CheckReport, now: datetime) -> list[FeatureRecord]:
    records = []
    for problem in report.outcome.problems:
        if problem.lon is None or problem.lat is None or problem.kind not in {k["code"] for k in _KIND}:
            continue
        props = dict(problem.properties)
        route, stake = props.get("route_code"), props.get("stake_m")
        records.append(FeatureRecord(Point(problem.lon, problem.lat), check_properties(FINDINGS_LAYER, {
            "application_fid": report.fid, "application_no": report.application_no, "kind": problem.kind,
            "bridge_code": props.get("bridge_code"), "event_no": props.get("event_no"),
            "name_zh": (props.get("name_zh") or "")[:64] or None, "route_code": route, "stake_m": stake,
            "stake_label": format_reference(str(route), float(stake)) if route and stake is not None else None,
            "limit_value": props.get("limit_value"), "requested_value": props.get("requested_value"),
            "unit": props.get("unit"), "message": problem.text[:500], "checked_at": now,
        })))
    return records


def findings_layer(registry: LayerRegistry) -> LayerDefinition:
    """The findings layer, registered on first use if the domain's layers were not loaded."""
    try:
        return registry.get(FINDINGS_LAYER.id)
    except LayerNotFound:
        return registry.register(FINDINGS_LAYER)


def _relink(registry: LayerRegistry, layer: LayerDefinition, report: CheckReport,
            same_plate: list[dict[str, Any]]) -> None:
    """Add this application to the `duplicate_of` of those it duplicates; drop it where it no longer is."""
    own_no = report.application_no
    if not own_no:
        return
    duplicate_fids = {d.fid for d in report.duplicates}
    listing = {int(f["id"]) for f in same_plate if own_no in _numbers((f.get("properties") or {}).get("duplicate_of"))}
    for fid in sorted((duplicate_fids | listing) - {report.fid}):
        for _ in range(WRITE_ATTEMPTS):
            current = registry.store.get(layer, fid, STORAGE_LONLAT)
            numbers = [n for n in _numbers(current.properties.get("duplicate_of")) if n != own_no]
            if fid in duplicate_fids:
                numbers = sorted({*numbers, own_no})
            try:
                if _write(registry, layer, current, {"duplicate_of": DUPLICATE_SEPARATOR.join(numbers) or None}):
                    report.written.append((layer.id, fid))
                break
            except VersionConflict:
                continue


def check_application(registry: LayerRegistry, fid: int, now: datetime) -> CheckReport:
    """Check an application's route, record the result on it, its findings and its duplicates."""
    layer = registry.get(APPLICATIONS_LAYER)
    index = road_index(registry)
    for _ in range(WRITE_ATTEMPTS):
        current = registry.store.get(layer, fid, STORAGE_LONLAT)
        props = current.properties
        outcome = check(registry, index, props, current.geometry)
        others = same_plate(registry, layer, str(props["plate"])) if props.get("plate") else []
        report = CheckReport(fid, props.get("application_no"), outcome,
                             find_duplicates(index, fid, props, outcome.route, others))
        updates = {"check_status": outcome.status, "check_summary": outcome.summary,
                   "duplicate_of": duplicate_text(report.duplicates)}
        try:
            if _write(registry, layer, current, updates):
                report.written.append((layer.id, fid))
        except VersionConflict:
            continue
        break
    else:
        raise VersionConflict("申请正被他人修改，请稍后重试 / the application keeps changing; try again")
    findings = findings_layer(registry)
    new = registry.store.replace_partitions([PartitionChange(findings, "application_fid", fid,
                                                             _findings(report, now))])[0]
    report.written.extend((findings.id, n) for n in new)
    _relink(registry, layer, report, others)
    return report


class OversizeRouteCheckRule(Rule):
    id = RULE_ID
    title_zh = "大件运输路线核查"
    title_en = "Oversize permit route check"
    triggers = (Trigger("feature_created", APPLICATIONS_LAYER), Trigger("feature_changed", APPLICATIONS_LAYER),
                Trigger("requested", APPLICATIONS_LAYER))

    def run(self, event: RuleEvent, context: RuleContext) -> RuleResult:
        fid = event.payload.get("fid")
        if fid is None:
            raise InvalidQuery("需要申请要素号 fid / the application's fid is required", parameter="fid")
        report = check_application(context.registry, int(fid), context.now())
        result = RuleResult(written=list(report.written))
        severity = {"passed": "info", "unchecked": "warning"}.get(report.outcome.status, "error")
        result.findings.append(Finding(self.id, severity, report.outcome.summary,  # type: ignore[arg-type]
                                       properties={"fid": report.fid, "application_no": report.application_no,
                                                   "check_status": report.outcome.status}))
        for problem in report.outcome.problems:
            geometry = None if problem.lon is None else {"type": "Point", "coordinates": [problem.lon, problem.lat]}
            result.findings.append(Finding(self.id, "error", problem.text, geometry,
                                           {"kind": problem.kind, **problem.properties}))
        if report.duplicates:
            text = duplicate_text(report.duplicates)
            result.findings.append(Finding(self.id, "warning", f"疑似重复申请 / possible duplicate of {text}",
                                           properties={"duplicate_of": text}))
        return result


RULES = (OversizeRouteCheckRule(),)
