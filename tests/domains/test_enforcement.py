"""The enforcement domain's samples: inspections, clues and cases with lawful histories, linked to each
other, to the credit register and to the road-transport zones and vehicles; the clue layer takes what
the restricted-zone rule writes; deterministic for a reference time, and loadable into both stores."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, time

import pytest
from shapely.geometry import LineString, Point, shape

from domains.credit.enterprises import enterprises
from domains.enforcement import DOMAIN, LAYER_IDS
from domains.enforcement.samples import load, plain_records, workflow_items
from domains.framework.domain import SampleContext
from domains.framework.identities import enterprise_code
from domains.framework.samples import register_domain_layers
from domains.road_transport.samples.vehicles import vehicle_specs
from domains.road_transport.samples.zones import zone_features
from layers.errors import InvalidFeature
from layers.registry import LayerRegistry
from layers.validation import CHINA_TZ, check_properties
from layers.workflow import SUPERVISION_FIELDS
from tests.domains.sample_checks import (
    assert_lawful_history,
    assert_valid,
    base_features,
    prefecture_of,
    role_of,
    same_record,
    stake_of,
    timeliness,
)

NOW = datetime(2025, 6, 16, 0, 0, tzinfo=UTC)  # 08:00 China time
WORKFLOW_LAYERS = ("enf_inspections", "enf_clues", "enf_cases")


@pytest.fixture(scope="module")
def layers():
    return {layer.id: layer for layer in DOMAIN.layers()}


@pytest.fixture(scope="module")
def plain():
    return plain_records(NOW)


@pytest.fixture(scope="module")
def items():
    return workflow_items(NOW)


def props(items, layer_id: str) -> list[dict]:
    return [item.record.properties for item in items[layer_id]]


def test_declares_six_layers_with_three_workflows(layers):
    assert tuple(layers) == LAYER_IDS
    assert [layer.catalogue_code for layer in layers.values()] == [f"JL-JT-ZF-000{n}" for n in range(1, 7)]
    assert {lid for lid, layer in layers.items() if layer.workflow is not None} == set(WORKFLOW_LAYERS)
    cases = layers["enf_cases"].workflow
    assert cases is not None and cases.initial == "clue"
    assert cases.state("clue").time_limit_hours == 15 * 24  # filing decided within 15 days of a clue
    assert cases.terminal_states == {"closed", "not_filed", "dismissed"}
    assert [t.to for t in cases.leaving("review")] == ["investigation", "decision", "dismissed"]


def test_every_role_of_the_workflows_has_a_chinese_name(layers):
    from domains.enforcement.vocabulary import ROLES

    for layer_id in WORKFLOW_LAYERS:
        spec = layers[layer_id].workflow
        named = {role for t in spec.transitions for role in t.roles} | set(spec.create_roles)
        assert named <= set(ROLES), named - set(ROLES)


def _track(points: int) -> str:
    return json.dumps({"type": "LineString", "coordinates": [[125.312345, 43.812345]] * points})


def test_the_clue_layer_takes_a_clue_as_the_restricted_zone_rule_writes_it(layers):
    layer = layers["enf_clues"]
    written = {
        "source": "dg_restricted_zone", "plate": "吉A·D1234", "zone_id": "RZ-CC-001",
        "dedup_key": "吉A·D1234|RZ-CC-001|2025061608", "evidence_track": _track(7_000),
        "observed_at": "2025-06-16T08:05:00+08:00", "adcode": "220100", "enterprise_code": enterprise_code(7),
        "workflow_state": "new", "state_since": NOW, "deadline": NOW, "overdue": False,
    }
    stored = check_properties(layer, written)
    assert stored["observed_at"] == datetime(2025, 6, 16, 0, 5, tzinfo=UTC)
    assert len(stored["evidence_track"]) < 200_000
    with pytest.raises(InvalidFeature, match="evidence_track"):
        check_properties(layer, {**written, "evidence_track": _track(8_000)})  # just over 200,000 characters
    with pytest.raises(InvalidFeature, match="dedup_key"):
        check_properties(layer, {**written, "dedup_key": "x" * 129})
    sources = layer.field("source").enum_codes()
    assert {"dg_restricted_zone", "public_report", "inspection", "integrated_data"} <= sources


def test_counts(plain, items):
    assert len(items["enf_inspections"]) == 5_000
    assert len(items["enf_cases"]) == 500
    assert len(items["enf_clues"]) > 700
    assert len(plain["enf_officers"]) > 100 and len(plain["enf_inspection_objects"]) > 1_000


def test_every_record_is_what_its_layer_stores(layers, plain, items):
    for layer_id, records in plain.items():
        assert_valid(layers[layer_id], records)
    for layer_id in WORKFLOW_LAYERS:
        records = [item.record for item in items[layer_id]]
        assert_valid(layers[layer_id], records)
        for record in records:
            assert check_properties(layers[layer_id], record.properties) == record.properties
            assert set(SUPERVISION_FIELDS) <= set(record.properties)


def test_histories_follow_the_workflows_and_agree_with_the_items(layers, items):
    for layer_id in WORKFLOW_LAYERS:
        for item in items[layer_id]:
            assert_lawful_history(layers[layer_id], item.record, item.history, NOW)


def test_every_actor_is_an_officer_of_the_unit_holding_the_item(plain, items):
    officers = {r.properties["account"]: r.properties for r in plain["enf_officers"]}
    for layer_id in WORKFLOW_LAYERS:
        for item in items[layer_id]:
            for entry in item.history:
                if role_of(entry.actor) == "system":
                    assert entry.transition is None and layer_id == "enf_clues"
                    continue
                officer = officers[entry.actor]
                assert officer["role"] == role_of(entry.actor) and officer["unit"] == entry.actor_org


def test_supervision_shows_overdue_items_and_late_steps(layers, items):
    for layer_id in ("enf_inspections", "enf_cases"):
        open_items, overdue, finished, late = timeliness(layers[layer_id], items[layer_id])
        assert 0 < overdue < open_items
        assert 0 < late < finished / 2
    for p in props(items, "enf_cases"):
        if p["overdue"]:
            assert p["deadline"] < NOW


def test_numbers_are_unique(items):
    for layer_id, key in (("enf_inspections", "inspection_no"), ("enf_clues", "clue_no"), ("enf_cases", "case_no")):
        numbers = [p[key] for p in props(items, layer_id)]
        assert all(numbers) and len(set(numbers)) == len(numbers)


def test_cases_cite_enterprises_and_their_clues_and_clues_cite_back(items):
    codes = {e.credit_code: e for e in enterprises()}
    clues = {p["clue_no"]: p for p in props(items, "enf_clues")}
    cases = {p["case_no"]: p for p in props(items, "enf_cases")}
    for case in cases.values():
        assert case["party_name"] == codes[case["credit_code"]].name_zh
        if case["source"] == "clue":
            clue = clues[case["clue_no"]]
            assert clue["workflow_state"] == "converted" and clue["case_no"] == case["case_no"]
            assert clue["enterprise_code"] == case["credit_code"]
        else:
            assert case["clue_no"] is None
    converted = [c for c in clues.values() if c["workflow_state"] == "converted"]
    assert converted and all(cases[c["case_no"]]["clue_no"] == c["clue_no"] for c in converted)
    assert Counter(c["source"] for c in cases.values())["on_site"] == 500 - len(converted)


def test_referred_inspections_and_their_clues_cite_each_other(items):
    inspections = {p["inspection_no"]: p for p in props(items, "enf_inspections")}
    from_inspections = [p for p in props(items, "enf_clues") if p["source"] == "inspection"]
    referred = [p for p in inspections.values() if p["workflow_state"] == "referred"]
    assert len(from_inspections) == len(referred) > 0
    for clue in from_inspections:
        inspection = inspections[clue["inspection_no"]]
        assert inspection["workflow_state"] == "referred" and inspection["clue_no"] == clue["clue_no"]
        assert inspection["credit_code"] == clue["enterprise_code"]


def _banned(windows: str, moment: datetime) -> bool:
    local = moment.astimezone(CHINA_TZ).time()
    if not windows:
        return True
    for part in windows.split(","):
        start, end = (time.fromisoformat(t) for t in part.split("-"))
        if (start <= local < end) if start < end else (local >= start or local < end):
            return True
    return False


def test_restricted_zone_clues_cite_real_zones_and_vehicles_with_their_evidence(items):
    zones = {f["properties"]["zone_id"]: f for f in zone_features()}
    vehicles = {v.plate: v for v in vehicle_specs()}
    clues = [item for item in items["enf_clues"] if item.record.properties["source"] == "dg_restricted_zone"]
    assert len(clues) == 200
    for item in clues:
        p, point = item.record.properties, item.record.geometry
        zone = zones[p["zone_id"]]
        assert zone["geometry"].covers(point)
        assert p["adcode"] == zone["properties"]["adcode"]
        assert vehicles[p["plate"]].enterprise_code == p["enterprise_code"]
        assert _banned(zone["properties"]["banned_hours"], p["observed_at"])
        hour = p["observed_at"].astimezone(CHINA_TZ).strftime("%Y%m%d%H")
        assert p["dedup_key"] == f"{p['plate']}|{p['zone_id']}|{hour}"
        track = shape(json.loads(p["evidence_track"]))
        assert isinstance(track, LineString) and len(track.coords) >= 2
        positions = [Point(c) for c in track.coords]
        first_inside = next(i for i, q in enumerate(positions) if zone["geometry"].covers(q))
        assert positions[first_inside].equals(point) and first_inside > 0  # the entry, with the approach before it
        assert item.history[0].actor.startswith("system.")


def test_cases_on_roads_stand_at_their_stake(items):
    on_road = [item.record for item in items["enf_cases"] if item.record.properties["route_code"]]
    assert len(on_road) > 200
    for record in on_road:
        p = record.properties
        stake, distance = stake_of(p["route_code"], record.geometry)
        assert distance < 0.5 and abs(stake - p["stake_m"]) < 1.0


def test_items_lie_in_the_prefecture_whose_unit_holds_them(items):
    names = {f["properties"]["adcode"]: f["properties"]["name_zh"] for f in base_features("prefectures")}
    for layer_id in WORKFLOW_LAYERS:
        for item in items[layer_id]:
            p = item.record.properties
            assert prefecture_of(item.record.geometry) == p["adcode"]
            assert p["holder_org"] == f"{names[p['adcode']]}交通运输综合行政执法支队"


def test_the_same_time_gives_the_same_items(items):
    from domains.enforcement.casebook import book

    book.cache_clear()
    again = workflow_items(NOW)
    for layer_id in WORKFLOW_LAYERS:
        assert all(same_record(a.record, b.record) and a.history == b.history
                   for a, b in zip(items[layer_id], again[layer_id], strict=True))
        assert all(entry.at <= NOW for item in items[layer_id] for entry in item.history)


def test_loading_writes_every_layer_once_with_histories(store_factory, plain, items):
    store = store_factory()
    registry = LayerRegistry(store)
    register_domain_layers(registry, [DOMAIN])
    context = SampleContext(registry=registry, now=NOW, progress=lambda *_: None)
    written = load(context)
    counts = {layer_id: store.layer_state(registry.get(layer_id)).feature_count for layer_id in LAYER_IDS}
    expected = {**{k: len(v) for k, v in plain.items()}, **{k: len(v) for k, v in items.items()}}
    assert written == counts == expected
    cases = registry.get("enf_cases")
    first = next(iter(store.iter_records(cases, batch_size=1)))[0]
    stored = store.history(cases, first.fid)
    original = next(i for i in items["enf_cases"] if i.record.properties["case_no"] == first.properties["case_no"])
    assert [(h.transition, h.to_state, h.actor) for h in stored] == [
        (e.transition, e.to_state, e.actor) for e in original.history]
    assert load(context) == {}
