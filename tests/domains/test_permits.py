"""The permits domain's samples: 300 applications whose routes follow the stored roads, with the documented
deliberate bridge failures, closure conflicts and duplicates (and no accidental ones), lawful histories,
deterministic for a reference time, and loadable into both stores."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

import pytest
import shapely
from shapely.geometry import Point

from domains.expressway import DOMAIN as EXPRESSWAY
from domains.expressway.events import generate_events
from domains.framework.domain import SampleContext
from domains.framework.identities import enterprise_code, enterprises_of
from domains.permits import DOMAIN
from domains.permits.applications import (
    APPLICATION_COUNT,
    CLOSURE_CONFLICTS,
    DUPLICATES,
    OVERHEIGHT,
    OVERWEIGHT,
    REPEAT_TRIPS,
    STATE_COUNTS,
)
from domains.permits.samples import generate, layers, load_samples
from layers.registry import LayerRegistry
from layers.validation import china_day
from tests.domains.sample_checks import (
    assert_lawful_history,
    assert_valid,
    base_features,
    metres,
    prefecture_of,
    road_sections,
    same_record,
    stake_of,
    timeliness,
)

NOW = datetime(2025, 3, 12, 0, 0, tzinfo=UTC)
LEG = re.compile(r"^([GS]\d+):K(\d+)\+(\d{3})-K(\d+)\+(\d{3})$")
ON_ROAD_DEG = 0.9e-5  # ≤ 1 m in latitude, less in longitude
NEAR_DEG = 0.0002  # ~15–22 m: bridges this close to a route's line are met on it


@pytest.fixture(scope="module")
def definitions():
    return layers()


@pytest.fixture(scope="module")
def applications(definitions):
    return generate(*definitions, NOW)


@pytest.fixture(scope="module")
def by_serial(applications):
    return {int(a.item.record.properties["application_no"][-4:]): a.item for a in applications}


def legs(properties: dict) -> list[tuple[str, int, int]]:
    result = []
    for text in properties["route_codes"].split(";"):
        match = LEG.match(text)
        assert match, text
        code, k0, m0, k1, m1 = match.groups()
        lo, hi = int(k0) * 1000 + int(m0), int(k1) * 1000 + int(m1)
        assert lo < hi
        result.append((code, lo, hi))
    return result


@pytest.fixture(scope="module")
def bridges():
    return [(f["properties"], Point(f["geometry"]["coordinates"])) for f in base_features("bridges")]


def bridges_met(item, bridges) -> tuple[list[dict], list[dict]]:
    """Bridges on a leg by route and stake, and bridges within ~20 m of the line."""
    ranges = legs(item.record.properties)
    on_legs = [b for b, _ in bridges if any(b["route_code"] == c and lo <= b["stake_m"] <= hi for c, lo, hi in ranges)]
    near = [b for b, point in bridges if item.record.geometry.distance(point) < NEAR_DEG]
    return on_legs, near


@pytest.fixture(scope="module")
def closures():
    events_layer = {layer.id: layer for layer in EXPRESSWAY.layers()}["exp_events"]
    return [i.record.properties for i in generate_events(events_layer, NOW)
            if i.record.properties["event_type"] == "closure"]


def closures_met(item, closures) -> list[dict]:
    p = item.record.properties
    found = []
    for c in closures:
        if china_day(c["start_time"]) > p["valid_to"]:
            continue
        if c["end_time"] is not None and china_day(c["end_time"]) < p["valid_from"]:
            continue
        ends = [c["stake_m"]] + ([c["end_stake_m"]] if c["end_stake_m"] is not None else [])
        if any(code == c["route_code"] and lo <= max(ends) and min(ends) <= hi for code, lo, hi in legs(p)):
            found.append(c)
    return found


def test_declares_the_application_layer_with_its_fixed_fields_and_workflow(definitions):
    layer, _ = definitions
    assert layer.id == "per_oversize_applications" and layer.catalogue_code == "JL-JT-XK-0001"
    assert layer.geometry_type.value == "LineString"
    types = {f.name: f.type.value for f in layer.fields}
    strings = ("application_no", "applicant_code", "plate", "route_codes", "adcode", "check_summary", "duplicate_of")
    assert {types[name] for name in strings} == {"string"}
    assert {types[n] for n in ("gross_weight_t", "height_m", "width_m", "length_m")} == {"number"}
    assert types["valid_from"] == types["valid_to"] == "date"
    status = layer.field("check_status")
    assert [(e.code, e.label_zh) for e in status.enum] == [("unchecked", "未校核"), ("passed", "通过"),
                                                           ("failed", "不通过")]
    assert layer.field("check_summary").max_length == 4000 and layer.field("duplicate_of").max_length == 400
    spec = layer.workflow
    assert spec.initial == "submitted" and spec.terminal_states == {"approved", "rejected", "withdrawn"}
    assert [s.name_zh for s in spec.states] == ["已提交", "已受理", "路线核查", "审批", "准予许可", "不予许可",
                                                "已撤回"]


def test_three_hundred_applications_spread_over_the_states(by_serial):
    assert sorted(by_serial) == list(range(1, APPLICATION_COUNT + 1))
    assert Counter(i.record.properties["workflow_state"] for i in by_serial.values()) == STATE_COUNTS
    numbers = [i.record.properties["application_no"] for i in by_serial.values()]
    assert len(set(numbers)) == len(numbers)


def test_every_application_validates_and_awaits_the_rules(definitions, by_serial):
    assert_valid(definitions[0], [i.record for i in by_serial.values()])
    for item in by_serial.values():
        p = item.record.properties
        assert (p["check_status"], p["check_summary"], p["duplicate_of"]) == ("unchecked", None, None)


def test_applicants_are_freight_enterprises_of_the_shared_register(by_serial):
    freight = {enterprise_code(n) for n in enterprises_of("freight")}
    assert {i.record.properties["applicant_code"] for i in by_serial.values()} <= freight


def test_histories_follow_the_workflow_and_agree_with_the_supervision_fields(definitions, by_serial):
    layer = definitions[0]
    for item in by_serial.values():
        assert_lawful_history(layer, item.record, item.history, NOW)
    open_count, overdue, finished, late = timeliness(layer, list(by_serial.values()))
    assert 0 < overdue < open_count / 2
    assert 0 < late < finished / 2


def test_approved_permits_carry_a_number_and_start_no_earlier_than_the_approval(by_serial):
    for item in by_serial.values():
        p = item.record.properties
        assert p["valid_from"] <= p["valid_to"]
        assert p["submitted_at"] == item.history[0].at
        if p["workflow_state"] == "approved":
            approved = item.history[-1]
            assert p["permit_no"] == approved.values["permit_no"]
            assert p["valid_from"] >= china_day(approved.at)
        else:
            assert p["permit_no"] is None


def test_routes_follow_the_stored_roads_from_the_first_stake_to_the_last(by_serial):
    sections = road_sections()
    for serial, item in by_serial.items():
        ranges = legs(item.record.properties)
        line = item.record.geometry
        roads = shapely.union_all([s for code, _, _ in ranges for _, s in sections[code]])
        shapely.prepare(roads)
        vertices = shapely.points(shapely.get_coordinates(line))
        assert shapely.dwithin(roads, vertices, ON_ROAD_DEG).all(), serial
        for (code, lo, hi), vertex in ((ranges[0], Point(line.coords[0])), (ranges[-1], Point(line.coords[-1]))):
            stake, distance = stake_of(code, vertex)
            assert distance < 1.0 and min(abs(stake - lo), abs(stake - hi)) < 1.0, (serial, code, stake)
        stretch = sum(hi - lo for _, lo, hi in ranges)
        assert abs(metres(line) - stretch) < 5 + 0.002 * stretch, serial
        assert item.record.properties["route_length_km"] == pytest.approx(stretch / 1000, abs=0.051)
        assert item.record.properties["adcode"] == prefecture_of(Point(line.coords[0]))


def test_the_deliberately_heavy_ones_exceed_a_bridge_on_their_route_and_no_one_else_does(by_serial, bridges):
    for serial, item in by_serial.items():
        p = item.record.properties
        on_legs, near = bridges_met(item, bridges)
        if serial in OVERWEIGHT:
            assert any(b["load_limit_t"] < p["gross_weight_t"] for b in on_legs), serial
        else:
            assert all(b["load_limit_t"] >= p["gross_weight_t"] for b in on_legs + near), serial
        if serial in OVERHEIGHT:
            assert any(b["clearance_m"] < p["height_m"] for b in on_legs), serial
        else:
            assert all(b["clearance_m"] >= p["height_m"] for b in on_legs + near), serial


def test_the_closure_conflicts_cross_a_closure_while_valid_and_no_one_else_does(by_serial, closures):
    for serial, item in by_serial.items():
        met = closures_met(item, closures)
        assert bool(met) == (serial in CLOSURE_CONFLICTS), (serial, [c["event_no"] for c in met])
    for serial in CLOSURE_CONFLICTS:
        assert by_serial[serial].record.properties["workflow_state"] in ("accepted", "route_check", "approval")


def test_duplicates_repeat_an_earlier_application_and_plates_are_otherwise_unique(by_serial):
    plates = Counter(i.record.properties["plate"] for i in by_serial.values())
    shared = {plate for plate, count in plates.items() if count > 1}
    pairs = {**DUPLICATES, **REPEAT_TRIPS}
    assert shared == {by_serial[s].record.properties["plate"] for s in pairs}
    assert all(count == 2 for plate, count in plates.items() if plate in shared)
    for later, earlier in pairs.items():
        a, b = by_serial[later], by_serial[earlier]
        pa, pb = a.record.properties, b.record.properties
        assert (pa["plate"], pa["applicant_code"]) == (pb["plate"], pb["applicant_code"])
        assert a.history[0].at > b.history[0].at
        overlap = pa["valid_from"] <= pb["valid_to"] and pb["valid_from"] <= pa["valid_to"]
        if later in DUPLICATES:
            assert overlap and pa["route_codes"] == pb["route_codes"]
            assert pa["workflow_state"] in ("submitted", "accepted", "route_check")
        else:
            assert not overlap


def test_the_deliberate_cases_are_distinct_and_about_as_many_as_asked(by_serial):
    groups = [set(OVERWEIGHT), set(OVERHEIGHT), set(CLOSURE_CONFLICTS), set(DUPLICATES), set(DUPLICATES.values()),
              set(REPEAT_TRIPS), set(REPEAT_TRIPS.values())]
    assert sum(len(g) for g in groups) == len(set().union(*groups))
    assert len(OVERWEIGHT) + len(OVERHEIGHT) == 15 and len(DUPLICATES) == 10
    for serial in OVERWEIGHT + OVERHEIGHT:
        assert by_serial[serial].record.properties["workflow_state"] != "approved"


def test_the_same_reference_time_gives_the_same_rows(definitions, applications):
    again = generate(*definitions, NOW)
    for a, b in zip(applications, again, strict=True):
        assert same_record(a.item.record, b.item.record) and a.item.history == b.item.history


def test_loading_writes_the_applications_once_and_the_route_check_finds_the_deliberate_cases(store_factory):
    from domains.base import DOMAIN as BASE
    from domains.framework.samples import load_samples as load_domains

    store = store_factory()
    registry = LayerRegistry(store)
    context = SampleContext(registry=registry, now=NOW, progress=lambda *_: None)
    written = load_domains(context, [BASE, EXPRESSWAY, DOMAIN])
    assert written["per_oversize_applications"] == APPLICATION_COUNT
    layer = registry.get("per_oversize_applications")
    assert store.layer_state(layer).feature_count == APPLICATION_COUNT
    assert load_samples(context) == {}
    assert store.layer_state(layer).feature_count == APPLICATION_COUNT
    features = [f for batch in store.iter_records(layer) for f in batch]
    failed = {int(f.properties["application_no"][-4:]) for f in features if f.properties["check_status"] == "failed"}
    assert failed == set(OVERWEIGHT) | set(OVERHEIGHT) | set(CLOSURE_CONFLICTS)
    assert all(f.properties["check_status"] == "passed" for f in features
               if int(f.properties["application_no"][-4:]) not in failed)
    flagged = {int(f.properties["application_no"][-4:]) for f in features if f.properties["duplicate_of"]}
    assert flagged == set(DUPLICATES) | set(DUPLICATES.values())
