"""The construction domain's samples: 60 projects drawn along the stored roads, contiguous contract
sections let to construction enterprises, safe-site grades that follow the scores, quality inspections
with lawful histories on their lots, deterministic for a reference time, and loadable into both stores."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import pairwise

import pytest
import shapely
from shapely.geometry import Point

from domains.construction import DOMAIN, LAYER_IDS
from domains.construction.samples import load, lot_records, project_records, quality_items
from domains.framework.domain import SampleContext
from domains.framework.identities import ENTERPRISE_COUNT, enterprise_code, enterprise_kind
from domains.framework.samples import register_domain_layers
from layers.registry import LayerRegistry
from layers.validation import CHINA_TZ, check_properties
from tests.domains.sample_checks import (
    assert_lawful_history,
    assert_valid,
    metres,
    prefecture_of,
    road_sections,
    same_record,
    stake_of,
    timeliness,
)

NOW = datetime(2025, 6, 16, 0, 0, tzinfo=UTC)  # 08:00 China time
TODAY = NOW.astimezone(CHINA_TZ).date()


@pytest.fixture(scope="module")
def layers():
    return {layer.id: layer for layer in DOMAIN.layers()}


@pytest.fixture(scope="module")
def projects():
    return project_records(NOW)


@pytest.fixture(scope="module")
def lots():
    return lot_records(NOW)


@pytest.fixture(scope="module")
def items():
    return quality_items(NOW)


def test_declares_projects_sections_and_quality_inspections(layers):
    assert tuple(layers) == LAYER_IDS
    assert [layer.catalogue_code for layer in layers.values()] == ["JL-JT-JS-0001", "JL-JT-JS-0002", "JL-JT-JS-0003"]
    assert [layer.id for layer in layers.values() if layer.workflow] == ["con_quality_inspections"]
    assert layers["con_sections"].field("safe_site_grade").label_of("demonstration") == "示范工地"


def test_every_role_of_the_workflow_has_a_chinese_name(layers):
    from domains.construction.quality import ROLES

    spec = layers["con_quality_inspections"].workflow
    assert {role for t in spec.transitions for role in t.roles} | set(spec.create_roles) <= set(ROLES)


def test_records_are_what_the_layers_store(layers, projects, lots, items):
    assert_valid(layers["con_projects"], projects)
    assert_valid(layers["con_sections"], lots)
    records = [item.record for item in items]
    assert_valid(layers["con_quality_inspections"], records)
    for layer_id, rows in (("con_projects", projects), ("con_sections", lots), ("con_quality_inspections", records)):
        for record in rows:
            assert check_properties(layers[layer_id], record.properties) == record.properties


def test_sixty_projects_lie_along_their_route_between_their_stakes(projects):
    assert len(projects) == 60
    assert len({p.properties["project_code"] for p in projects}) == 60
    for record in projects:
        p = record.properties
        line = record.geometry.geoms[0]
        assert len(record.geometry.geoms) == 1
        start, gap = stake_of(p["route_code"], Point(line.coords[0]))
        end, gap_end = stake_of(p["route_code"], Point(line.coords[-1]))
        assert gap < 0.5 and gap_end < 0.5
        assert abs(start - p["start_stake_m"]) < 2.0 and abs(end - p["end_stake_m"]) < 2.0
        span = p["end_stake_m"] - p["start_stake_m"]
        assert abs(metres(line) - span) < 0.01 * span
        road = shapely.union_all([geom for _, geom in road_sections()[p["route_code"]]])
        assert road.buffer(1e-6).covers(line)
        assert abs(p["length_km"] * 1000 - metres(line)) < 1.0


def test_projects_on_one_route_do_not_overlap(projects):
    by_route = defaultdict(list)
    for record in projects:
        by_route[record.properties["route_code"]].append((record.properties["start_stake_m"],
                                                          record.properties["end_stake_m"]))
    for spans in by_route.values():
        for (_, end), (start, _) in pairwise(sorted(spans)):
            assert end < start


def test_status_and_progress_follow_the_dates(projects):
    statuses = Counter()
    for record in projects:
        p = record.properties
        statuses[p["status"]] += 1
        if p["status"] == "preparing":
            assert TODAY < p["start_date"] and p["progress_pct"] == 0
        elif p["status"] == "under_construction":
            assert p["start_date"] <= TODAY < p["planned_completion"] and 0 <= p["progress_pct"] < 100
        else:
            assert p["planned_completion"] <= TODAY and p["progress_pct"] == 100
    assert statuses["under_construction"] > 10


def test_contract_sections_split_their_project_and_are_let_to_construction_enterprises(projects, lots):
    kinds = {enterprise_code(n): enterprise_kind(n) for n in range(ENTERPRISE_COUNT)}
    by_project = defaultdict(list)
    for lot in lots:
        by_project[lot.properties["project_code"]].append(lot.properties)
    for record in projects:
        p = record.properties
        members = sorted(by_project[p["project_code"]], key=lambda lot: lot["start_stake_m"])
        assert len(members) == p["lot_count"]
        assert members[0]["start_stake_m"] == p["start_stake_m"] and members[-1]["end_stake_m"] == p["end_stake_m"]
        assert all(a["end_stake_m"] == b["start_stake_m"] for a, b in pairwise(members))
        assert all(lot["route_code"] == p["route_code"] for lot in members)
        assert all(kinds[lot["contractor_code"]] == "construction" for lot in members)
        assert len({lot["contractor_code"] for lot in members}) == len(members)
        scores = [lot["safe_site_score"] for lot in members if lot["safe_site_score"] is not None]
        if scores:
            assert abs(p["safe_site_score"] - sum(scores) / len(scores)) <= 0.051
        else:
            assert p["status"] == "preparing" and p["safe_site_score"] is None


def test_safe_site_grade_is_the_band_of_the_score(projects, lots):
    for record in [*projects, *lots]:
        score, grade = record.properties["safe_site_score"], record.properties["safe_site_grade"]
        expected = None if score is None else "demonstration" if score >= 90 else "compliant" if score >= 70 \
            else "non_compliant"
        assert grade == expected


def test_quality_inspections_stand_on_their_lot(lots, items):
    by_code = {lot.properties["lot_code"]: lot.properties for lot in lots}
    assert len(items) == 600
    for item in items:
        p = item.record.properties
        lot = by_code[p["lot_code"]]
        assert lot["project_code"] == p["project_code"] and lot["contractor_code"] == p["contractor_code"]
        assert lot["start_stake_m"] <= p["stake_m"] <= lot["end_stake_m"]
        stake, gap = stake_of(p["route_code"], item.record.geometry)
        assert gap < 0.2 and abs(stake - p["stake_m"]) < 1.0
        assert prefecture_of(item.record.geometry) == p["adcode"]


def test_histories_follow_the_workflow_and_contractors_answer_for_their_lot(layers, items):
    for item in items:
        assert_lawful_history(layers["con_quality_inspections"], item.record, item.history, NOW)
        for entry in item.history:
            if entry.transition == "submit_rectification":
                assert entry.actor == f"contractor.{item.record.properties['contractor_code']}.01"
    open_items, overdue, finished, late = timeliness(layers["con_quality_inspections"], items)
    assert 0 < overdue < open_items and 0 < late < finished
    assert Counter(i.record.properties["result"] for i in items)["unqualified"] > 100


def test_the_same_time_gives_the_same_rows(projects, lots, items):
    from domains.construction.samples import quality_samples

    quality_samples.cache_clear()
    assert all(same_record(a, b) for a, b in zip(projects, project_records(NOW), strict=True))
    assert all(same_record(a, b) for a, b in zip(lots, lot_records(NOW), strict=True))
    again = quality_items(NOW)
    assert all(same_record(a.record, b.record) and a.history == b.history for a, b in zip(items, again, strict=True))


def test_loading_writes_every_layer_once(store_factory, projects, lots, items):
    store = store_factory()
    registry = LayerRegistry(store)
    register_domain_layers(registry, [DOMAIN])
    context = SampleContext(registry=registry, now=NOW, progress=lambda *_: None)
    written = load(context)
    counts = {layer_id: store.layer_state(registry.get(layer_id)).feature_count for layer_id in LAYER_IDS}
    assert written == counts == {"con_projects": 60, "con_sections": len(lots), "con_quality_inspections": 600}
    assert load(context) == {}
