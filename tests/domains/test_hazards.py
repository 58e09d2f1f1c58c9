"""The hazards domain's samples: graded risk points and 2,000 hazards placed by route and stake exactly on
the stored road sections, with lawful histories (deadlines from `rectify_by`, re-rectification after a
failed acceptance), deterministic for a reference time, and loadable into both stores."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from shapely.geometry import shape

from domains.framework.domain import SampleContext
from domains.framework.samples import register_domain_layers
from domains.hazards import DOMAIN, LAYER_IDS
from domains.hazards.samples import hazard_items, load, risk_records
from layers.registry import LayerRegistry
from layers.validation import check_properties
from tests.domains.sample_checks import (
    assert_lawful_history,
    assert_valid,
    base_features,
    gap_m,
    prefecture_of,
    same_record,
    stake_of,
    timeliness,
)

NOW = datetime(2025, 6, 16, 0, 0, tzinfo=UTC)  # 08:00 China time


@pytest.fixture(scope="module")
def layers():
    return {layer.id: layer for layer in DOMAIN.layers()}


@pytest.fixture(scope="module")
def risks():
    return risk_records(NOW)


@pytest.fixture(scope="module")
def items():
    return hazard_items(NOW)


@pytest.fixture(scope="module")
def sections():
    return {f["properties"]["section_code"]: (f["properties"], shape(f["geometry"])) for f in base_features("roads")}


def test_declares_risk_points_and_hazards_with_the_hazard_workflow(layers):
    assert tuple(layers) == LAYER_IDS
    assert [layer.catalogue_code for layer in layers.values()] == ["JL-JT-AQ-0001", "JL-JT-AQ-0002"]
    spec = layers["haz_hazards"].workflow
    assert spec is not None and spec.initial == "reported"
    assert spec.state("rectifying").deadline_field == "rectify_by"
    assert spec.transition("fail").to == "rectifying" and "rectify_by" in spec.transition("fail").requires
    assert layers["haz_hazards"].field("grade").label_of("major") == "重大隐患"
    assert layers["haz_risk_points"].field("risk_level").label_of(1) == "重大风险"


def test_every_role_of_the_workflow_has_a_chinese_name(layers):
    from domains.hazards.people import ROLES

    spec = layers["haz_hazards"].workflow
    assert {role for t in spec.transitions for role in t.roles} | set(spec.create_roles) <= set(ROLES)


def test_counts_and_grades(risks, items):
    assert len(risks) == 600 and len(items) == 2_000
    levels = Counter(r.properties["risk_level"] for r in risks)
    assert set(levels) == {1, 2, 3, 4} and levels[1] < levels[3]
    grades = Counter(i.record.properties["grade"] for i in items)
    assert 0 < grades["major"] < grades["general"]


def test_records_are_what_the_layers_store(layers, risks, items):
    assert_valid(layers["haz_risk_points"], risks)
    records = [item.record for item in items]
    assert_valid(layers["haz_hazards"], records)
    for record in records:
        assert check_properties(layers["haz_hazards"], record.properties) == record.properties


def _on_its_section(sections, record) -> None:
    p = record.properties
    section, line = sections[p["section_code"]]
    assert section["route_code"] == p["route_code"]
    assert section["start_stake_m"] <= p["stake_m"] <= section["end_stake_m"]
    assert line.distance(record.geometry) < 1e-6  # on the stored line (≈ 0.1 m)
    stake, distance = stake_of(p["route_code"], record.geometry)
    assert distance < 0.2 and abs(stake - p["stake_m"]) < 1.0
    assert prefecture_of(record.geometry) == p["adcode"]


def test_hazards_and_risk_points_lie_on_their_road_section_at_their_stake(sections, risks, items):
    for record in risks:
        _on_its_section(sections, record)
    for item in items:
        _on_its_section(sections, item.record)
        p = item.record.properties
        km, m = divmod(p["stake_m"], 1000)
        assert p["stake_label"] == f"{p['route_code']} K{km}+{m:03d}"


def test_poor_bridges_are_risk_points_at_the_bridge(risks):
    bridges = {f["properties"]["bridge_code"]: f for f in base_features("bridges")}
    at_bridges = [r for r in risks if r.properties["bridge_code"]]
    assert {r.properties["bridge_code"] for r in at_bridges} == {
        code for code, f in bridges.items() if f["properties"]["tech_grade"] >= 3}
    for record in at_bridges:
        bridge = bridges[record.properties["bridge_code"]]
        assert record.properties["stake_m"] == bridge["properties"]["stake_m"]
        assert record.properties["risk_level"] == 6 - bridge["properties"]["tech_grade"]
        assert gap_m(record.geometry, shape(bridge["geometry"])) < 5.0


def test_hazards_near_a_risk_point_cite_it(risks, items):
    by_code = {r.properties["risk_code"]: r.properties for r in risks}
    linked = [i.record.properties for i in items if i.record.properties["risk_code"]]
    assert 400 < len(linked) < 1_000
    for p in linked:
        risk = by_code[p["risk_code"]]
        assert risk["section_code"] == p["section_code"] and abs(risk["stake_m"] - p["stake_m"]) <= 500


def test_histories_follow_the_workflow_and_agree_with_the_items(layers, items):
    for item in items:
        assert_lawful_history(layers["haz_hazards"], item.record, item.history, NOW)


def test_rectification_deadlines_fit_the_grade_and_a_failed_acceptance_sets_a_new_one(items):
    redone = 0
    for item in items:
        p = item.record.properties
        assigned = [e for e in item.history if e.transition == "assign"]
        if not assigned:
            assert p["rectify_by"] is None
            continue
        first = assigned[0].values["rectify_by"]
        days = (first - assigned[0].at) / timedelta(days=1)
        assert (29 <= days <= 92) if p["grade"] == "major" else (6 <= days <= 31)
        fails = [e for e in item.history if e.transition == "fail"]
        if fails:
            redone += 1
            assert fails[-1].values["rectify_by"] > fails[-1].at and p["rectify_by"] == fails[-1].values["rectify_by"]
        else:
            assert p["rectify_by"] == first
        if p["workflow_state"] == "rectifying":
            assert p["deadline"] == p["rectify_by"]
    assert redone > 50


def test_supervision_shows_overdue_hazards_and_late_steps(layers, items):
    open_items, overdue, finished, late = timeliness(layers["haz_hazards"], items)
    assert 0 < overdue < open_items and 0 < late < finished
    on_time_steps = sum(not e.late for i in items for e in i.history[1:])
    assert on_time_steps > 0.8 * sum(len(i.history) - 1 for i in items)


def test_the_same_time_gives_the_same_items(items):
    from domains.hazards.samples import hazard_samples

    hazard_samples.cache_clear()
    again = hazard_items(NOW)
    assert all(same_record(a.record, b.record) and a.history == b.history for a, b in zip(items, again, strict=True))
    assert all(entry.at <= NOW for item in items for entry in item.history)


def test_loading_writes_both_layers_once(store_factory, risks, items):
    store = store_factory()
    registry = LayerRegistry(store)
    register_domain_layers(registry, [DOMAIN])
    context = SampleContext(registry=registry, now=NOW, progress=lambda *_: None)
    written = load(context)
    counts = {layer_id: store.layer_state(registry.get(layer_id)).feature_count for layer_id in LAYER_IDS}
    assert written == counts == {"haz_risk_points": len(risks), "haz_hazards": len(items)}
    assert load(context) == {}
