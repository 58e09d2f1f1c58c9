"""The oversize-permit route check on a hand-built network with known answers.

G920 runs 30 km east (29,999 m on the ellipsoid: applications use K0–K29) with three bridges
(K5 55 t / 5.0 m, K12 100 t / 5.5 m, K25 100 t / 5.2 m);
G921 runs alongside 200 m north with a weak bridge (20 t / 3.0 m); G922 crosses G920 at K15 on a
weak bridge of its own (10 t / 3.0 m) right at the crossing. Closures: G920 K18 on 10–12 June,
G921 K18 all June, G920 K28 from 1 July with no end; an accident on G920 K20 in June.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape

from domains.base.linear_ref import road_index
from domains.framework.rules import RuleContext, RuleEvent
from domains.permits.route_check import build_route, parse_route_codes
from domains.permits.rules import APPLICATIONS_LAYER, FINDINGS_LAYER, OversizeRouteCheckRule, check_application
from gis_server.app import create_app
from gis_server.settings import Settings
from layers.errors import InvalidQuery
from layers.model import LayerDefinition
from layers.query import OutputCrs
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from layers.validation.rules import check_properties
from layers.workflow import SUPERVISION_FIELDS
from tests.linear_referencing.conftest import base_layer
from tests.linear_referencing.constructed import GEOD, geodesic, insert, lonlat, polyline, road

LONLAT = OutputCrs(4490, lat_first=False)
NOW = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
ROADS = [
    road("G920", (0, 0), (30_000, 0), speed=100),
    road("G921", (0, 200), (30_000, 200), speed=80),
    road("G922", (15_000, -5_000), (15_000, 5_000), speed=80),
]


def _layer(layer_id: str, domain: str, geometry: str, fields: list[dict], **extra: Any) -> LayerDefinition:
    return LayerDefinition.model_validate({
        "id": layer_id, "title_zh": layer_id, "title_en": layer_id, "domain": domain,
        "catalogue_code": "JL-JT-XK-9999", "geometry_type": geometry, "fields": fields,
        "valid_extent": [120.5, 40.0, 132.0, 47.0], **extra})


def _f(name: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, "title_zh": name, **({"max_length": 400} if kind == "string" else {}), **extra}


APPLICATIONS = _layer(APPLICATIONS_LAYER, "permits", "LineString", [
    _f("application_no", required=True), _f("applicant_code"), _f("plate", required=True),
    _f("gross_weight_t", "number"), _f("height_m", "number"), _f("width_m", "number"), _f("length_m", "number"),
    _f("valid_from", "date"), _f("valid_to", "date"), _f("route_codes"),
    {"name": "check_status", "type": "string", "title_zh": "校核", "max_length": 16, "enum": [
        {"code": "unchecked", "label_zh": "未校核"}, {"code": "passed", "label_zh": "通过"},
        {"code": "failed", "label_zh": "不通过"}]},
    {"name": "check_summary", "type": "string", "title_zh": "说明", "max_length": 4000}, _f("duplicate_of"),
], write_roles=("permit_officer",), read_roles=("permit_officer",), workflow={
    "initial": "submitted",
    "states": [{"id": "submitted", "name_zh": "已提交", "time_limit_hours": 48},
               {"id": "approved", "name_zh": "准予许可", "terminal": True}],
    "transitions": [{"id": "approve", "name_zh": "准予", "from_states": ["submitted"], "to": "approved",
                     "roles": ["permit_approver"]}]})
BRIDGES = _layer("bridges", "base", "Point", [
    _f("bridge_code"), _f("name_zh"), _f("route_code"), _f("stake_m", "integer"), _f("load_limit_t", "number"),
    _f("clearance_m", "number")])
EVENTS = _layer("exp_events", "expressway", "Point", [
    _f("event_no"), _f("event_type"), _f("route_code"), _f("stake_m", "integer"), _f("end_stake_m", "integer"),
    _f("start_time", "datetime"), _f("end_time", "datetime")])


def point(x: float, y: float, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(lonlat(x, y))}, "properties": props}


def bridge(code: str, route: str, stake: int, x: float, y: float, load: float, clearance: float) -> dict[str, Any]:
    return point(x, y, bridge_code=code, name_zh=f"{code}桥", route_code=route, stake_m=stake, load_limit_t=load,
                 clearance_m=clearance)


def application(no: str, *, weight: float = 40, height: float = 4.5, dates: tuple[str, str] = ("2024-06-01",
                "2024-06-05"), codes: str | None = "G920:K0+000-K29+000", line: tuple[float, float] = (0, 29_000),
                plate: str = "吉A00001") -> dict[str, Any]:
    return {"type": "Feature",
            "geometry": {"type": "LineString", "coordinates": polyline((line[0], 0), (line[1], 0)).tolist()},
            "properties": {"application_no": no, "applicant_code": "91220000MA00000001", "plate": plate,
                           "gross_weight_t": weight, "height_m": height, "width_m": 3.0, "length_m": 20.0,
                           "valid_from": dates[0], "valid_to": dates[1], "route_codes": codes,
                           "check_status": "unchecked", "workflow_state": "submitted", "holder": "张三",
                           "holder_org": "吉林省交通运输厅", "state_since": "2024-06-01T08:00:00+08:00",
                           "deadline": "2024-06-03T08:00:00+08:00", "overdue": False}}


@pytest.fixture
def registry(store_url: str, tmp_path: Path) -> Iterator[LayerRegistry]:
    store = open_store(store_url)
    registry = LayerRegistry(store)
    for definition in (base_layer("roads"), BRIDGES, EVENTS, APPLICATIONS):
        registry.register(definition)
    insert(registry, "roads", ROADS)
    insert(registry, "bridges", [
        bridge("B1", "G920", 5_000, 5_000, 0, 55, 5.0), bridge("B2", "G920", 12_000, 12_000, 0, 100, 5.5),
        bridge("B3", "G920", 25_000, 25_000, 0, 100, 5.2), bridge("B4", "G921", 8_000, 8_000, 200, 20, 3.0),
        bridge("B5", "G922", 5_000, 15_000, 0, 10, 3.0)])
    insert(registry, "exp_events", [
        point(18_000, 0, event_no="C1", event_type="closure", route_code="G920", stake_m=18_000,
              start_time="2024-06-10T08:00:00+08:00", end_time="2024-06-12T18:00:00+08:00"),
        point(18_000, 200, event_no="C2", event_type="closure", route_code="G921", stake_m=18_000,
              start_time="2024-06-01T00:00:00+08:00", end_time="2024-06-30T23:00:00+08:00"),
        point(20_000, 0, event_no="A3", event_type="accident", route_code="G920", stake_m=20_000,
              start_time="2024-06-02T10:00:00+08:00", end_time="2024-06-02T12:00:00+08:00"),
        point(28_000, 0, event_no="C4", event_type="closure", route_code="G920", stake_m=28_000,
              start_time="2024-07-01T00:00:00+08:00")])
    yield registry
    registry.close()
    store.close()


def add(registry: LayerRegistry, *features: dict[str, Any]) -> list[int]:
    return insert(registry, APPLICATIONS_LAYER, list(features))


def stored(registry: LayerRegistry, fid: int) -> dict[str, Any]:
    return registry.store.get(registry.get(APPLICATIONS_LAYER), fid, LONLAT).properties


def findings(registry: LayerRegistry, fid: int) -> list[tuple[str, str | None, str | None, tuple[float, float]]]:
    layer = registry.get(FINDINGS_LAYER.id)
    rows = [f for batch in registry.store.iter_records(layer) for f in batch if f.properties["application_fid"] == fid]
    return sorted((f.properties["kind"], f.properties["bridge_code"], f.properties["event_no"],
                   tuple(f.geometry["coordinates"])) for f in rows)


def run(registry: LayerRegistry, fid: int) -> Any:
    return check_application(registry, fid, NOW)


def near(a: tuple[float, float], xy: tuple[float, float]) -> bool:
    return GEOD.inv(*a, *lonlat(*xy))[2] < 1.0


def test_a_60_t_vehicle_fails_exactly_at_the_55_t_bridge(registry: LayerRegistry) -> None:
    (fid,) = add(registry, application("P1", weight=60))
    report = run(registry, fid)
    assert report.outcome.status == "failed"
    assert report.outcome.bridges_on_route == 3
    assert [(p.kind, p.properties["bridge_code"]) for p in report.outcome.problems] == [("overweight", "B1")]
    props = stored(registry, fid)
    assert props["check_status"] == "failed"
    assert props["check_summary"].startswith("未通过")
    assert "超载" in props["check_summary"] and "B1" in props["check_summary"] and "55" in props["check_summary"]
    ((kind, code, _, where),) = findings(registry, fid)
    assert (kind, code) == ("overweight", "B1") and near(where, (5_000, 0))


@pytest.mark.parametrize(("height", "failing"), [(4.5, []), (5.0, []), (5.2, ["B1"]), (5.3, ["B1", "B3"])])
def test_height_against_clearance(registry: LayerRegistry, height: float, failing: list[str]) -> None:
    (fid,) = add(registry, application("P2", height=height))
    report = run(registry, fid)
    assert [p.properties["bridge_code"] for p in report.outcome.problems if p.kind == "overheight"] == failing
    assert stored(registry, fid)["check_status"] == ("failed" if failing else "passed")
    assert [code for kind, code, _, _ in findings(registry, fid)] == failing


def test_a_passing_application_says_so_and_leaves_no_findings(registry: LayerRegistry) -> None:
    (fid,) = add(registry, application("P3"))
    report = run(registry, fid)
    assert report.outcome.status == "passed" and report.outcome.problems == ()
    assert stored(registry, fid)["check_summary"].startswith("通过：途经桥梁 3 座")
    assert findings(registry, fid) == []


@pytest.mark.parametrize(("dates", "closures"), [
    (("2024-06-01", "2024-06-05"), []),          # before C1; C2 is on the other road; A3 is no closure
    (("2024-06-11", "2024-06-20"), ["C1"]),
    (("2024-06-12", "2024-06-12"), ["C1"]),      # the last day of C1 (China time)
    (("2024-06-13", "2024-06-30"), []),
    (("2024-07-15", "2024-07-20"), ["C4"]),      # C4 has no end yet
])
def test_closures_count_only_on_the_route_and_in_the_dates(registry: LayerRegistry, dates: tuple[str, str],
                                                             closures: list[str]) -> None:
    (fid,) = add(registry, application("P4", dates=dates))
    report = run(registry, fid)
    assert [p.properties["event_no"] for p in report.outcome.problems] == closures
    assert [event for kind, _, event, _ in findings(registry, fid) if kind == "closure"] == closures
    if closures:
        assert "封闭" in stored(registry, fid)["check_summary"]


def test_bridges_on_other_roads_near_or_across_the_line_do_not_count(registry: LayerRegistry) -> None:
    """The line alone (no road codes): B4 lies 200 m away on G921, B5 on G922 right where it crosses."""
    (fid,) = add(registry, application("P5", weight=60, height=4.6, codes=None))
    report = run(registry, fid)
    assert report.outcome.bridges_on_route == 3
    assert [(p.kind, p.properties["bridge_code"]) for p in report.outcome.problems] == [("overweight", "B1")]


def test_only_bridges_within_the_stake_range_count(registry: LayerRegistry) -> None:
    (fid,) = add(registry, application("P6", weight=60, codes="G920:K10+000-K29+000", line=(10_000, 29_000)))
    report = run(registry, fid)
    assert report.outcome.status == "passed" and report.outcome.bridges_on_route == 2


def test_a_route_given_by_codes_is_drawn_along_the_road(registry: LayerRegistry) -> None:
    index = road_index(registry)
    route, problems = build_route(index, {"route_codes": "G920:K20+000-K10+000"}, None)
    assert problems == [] and route.line is not None
    coords = list(route.line.coords)
    assert near(coords[0], (20_000, 0)) and near(coords[-1], (10_000, 0))  # in travel order
    assert abs(geodesic(np.array(coords)) - 10_000) < 2.0


def test_unknown_roads_fail_the_check_naming_them(registry: LayerRegistry) -> None:
    (fid,) = add(registry, application("P7", codes="G920:K0+000-K29+000;G999:K1+000-K2+000"))
    report = run(registry, fid)
    assert report.outcome.status == "failed"
    assert "G999" in stored(registry, fid)["check_summary"]
    (bad,) = add(registry, application("P8", codes="G920 from K0 to K30"))
    assert run(registry, bad).outcome.status == "failed"
    assert "G12:K100+000-K150+000" in stored(registry, bad)["check_summary"]


def test_route_code_parsing() -> None:
    ranges = parse_route_codes("G12:K100+000-K150+000；g1:K849+000—K830+000")
    assert [(r.route_code, r.from_stake_m, r.to_stake_m) for r in ranges] == [
        ("G12", 100_000, 150_000), ("G1", 849_000, 830_000)]
    assert parse_route_codes("") == [] and parse_route_codes(None) == []
    with pytest.raises(InvalidQuery):
        parse_route_codes("G12:K100+000")


def test_duplicates_are_flagged_on_both_and_unflagged_when_dates_part(registry: LayerRegistry) -> None:
    d1, d2, d3, d4, d5 = add(
        registry,
        application("D1", dates=("2024-06-01", "2024-06-10"), codes="G920:K0+000-K20+000", line=(0, 20_000)),
        application("D2", dates=("2024-06-05", "2024-06-15"), codes="G920:K5+000-K25+000", line=(5_000, 25_000)),
        application("D3", dates=("2024-07-01", "2024-07-05"), codes="G920:K0+000-K20+000", line=(0, 20_000)),
        application("D4", dates=("2024-06-01", "2024-06-10"), codes="G920:K0+000-K20+000", line=(0, 20_000),
                    plate="吉B00002"),
        application("D5", dates=("2024-06-01", "2024-06-10"), codes="G920:K18+000-K29+000", line=(18_000, 29_000)),
    )
    report = run(registry, d1)
    assert [d.application_no for d in report.duplicates] == ["D2"]
    assert stored(registry, d1)["duplicate_of"] == "D2"
    assert stored(registry, d2)["duplicate_of"] == "D1"
    for other in (d3, d4, d5):
        assert stored(registry, other)["duplicate_of"] is None
    # D2 moves to August: checking it clears the flag on both
    layer = registry.get(APPLICATIONS_LAYER)
    current = registry.store.get(layer, d2, LONLAT)
    moved = check_properties(layer, {**current.properties, "valid_from": "2024-08-01", "valid_to": "2024-08-05"})
    registry.store.replace(layer, d2, FeatureRecord(shape(current.geometry), moved))
    assert run(registry, d2).duplicates == []
    assert stored(registry, d1)["duplicate_of"] is None and stored(registry, d2)["duplicate_of"] is None


def test_the_result_is_written_once_and_supervision_fields_stay(registry: LayerRegistry) -> None:
    (fid,) = add(registry, application("P9", weight=60))
    layer = registry.get(APPLICATIONS_LAYER)
    before = registry.store.get(layer, fid, LONLAT)
    run(registry, fid)
    after = registry.store.get(layer, fid, LONLAT)
    assert after.version == before.version + 1
    for name in SUPERVISION_FIELDS:
        assert after.properties[name] == before.properties[name], name
    for name in ("application_no", "plate", "gross_weight_t", "valid_from", "route_codes"):
        assert after.properties[name] == before.properties[name]
    run(registry, fid)  # nothing changed: nothing written
    assert registry.store.get(layer, fid, LONLAT).version == after.version
    assert len(findings(registry, fid)) == 1  # the findings were replaced, not added to


def test_the_rule_wakes_on_created_changed_and_requested(registry: LayerRegistry) -> None:
    rule = OversizeRouteCheckRule()
    (fid,) = add(registry, application("P10", weight=60))
    context = RuleContext(registry, lambda: NOW)
    for kind in ("feature_created", "feature_changed", "requested"):
        event = RuleEvent(kind, APPLICATIONS_LAYER, {"fid": fid})  # type: ignore[arg-type]
        assert any(event.wakes(t) for t in rule.triggers)
    result = rule.run(RuleEvent("feature_created", APPLICATIONS_LAYER, {"fid": fid}), context)
    assert result.findings[0].severity == "error" and "超载" in result.findings[1].message
    assert (APPLICATIONS_LAYER, fid) in result.written
    assert result.findings[1].geometry is not None


def test_check_through_the_api(registry: LayerRegistry, store_url: str) -> None:
    (fid,) = add(registry, application("P11", weight=60))
    with TestClient(create_app(Settings(database_url=store_url, admin_token="token"), store=registry.store)) as client:
        response = client.post(f"/permits/applications/{fid}/check", headers={"Authorization": "Bearer token"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["check_status"] == "failed" and body["problems"][0]["bridge_code"] == "B1"
        assert client.post(f"/permits/applications/{fid}/check").status_code == 401
        missing = client.post("/permits/applications/999/check", headers={"Authorization": "Bearer token"})
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert stored(registry, fid)["check_status"] == "failed"
    assert date.fromisoformat(str(stored(registry, fid)["valid_from"])[:10]) == date(2024, 6, 1)
