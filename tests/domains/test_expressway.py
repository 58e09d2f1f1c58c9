"""The expressway domain's samples: events on the roads at their stakes, lawful histories, resources on the
network, deterministic for a reference time, and loadable into both stores."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from domains.expressway import DOMAIN, LAYER_IDS
from domains.expressway.samples import generate, load_samples
from domains.framework.domain import SampleContext
from domains.framework.samples import register_domain_layers
from layers.registry import LayerRegistry
from tests.domains.sample_checks import (
    assert_lawful_history,
    assert_valid,
    base_features,
    prefecture_of,
    same_record,
    stake_of,
    timeliness,
)

NOW = datetime(2025, 3, 12, 0, 0, tzinfo=UTC)  # 08:00 China time, as `onemap load-samples` sets it
TIME_FIELDS = ("start_time", "end_time", "expected_end_time", "state_since", "deadline")


@pytest.fixture(scope="module")
def layers():
    return {layer.id: layer for layer in DOMAIN.layers()}


@pytest.fixture(scope="module")
def samples(layers):
    return generate(layers, NOW)


def all_records(samples):
    return {"exp_events": [i.record for i in samples.events], **samples.plain}


def test_declares_the_four_layers_with_catalogue_codes_and_the_event_workflow(layers):
    assert tuple(layers) == LAYER_IDS
    assert [layer.catalogue_code for layer in layers.values()] == [f"JL-JT-GS-000{n}" for n in range(1, 5)]
    events = layers["exp_events"]
    assert events.workflow is not None and events.workflow.initial == "reported"
    assert events.workflow.terminal_states == {"closed", "dismissed"}
    assert events.field("event_type").label_of("closure") == "封闭"
    assert events.field("direction").label_of("both") == "双向"
    for layer_id in ("exp_cameras", "exp_emergency_stores", "exp_rescue_teams"):
        for name in ("name_zh", "route_code", "stake_m", "adcode"):
            assert layers[layer_id].field(name).required
    assert {"members", "vehicles"} <= set(layers["exp_rescue_teams"].field_names)


def test_sample_counts(samples):
    assert len(samples.events) == 200
    stores = [f for f in base_features("service_areas") if f["properties"]["area_type"] == "service"]
    assert len(samples.plain["exp_emergency_stores"]) == len(stores)
    assert 300 <= len(samples.plain["exp_cameras"]) <= 600
    assert 20 <= len(samples.plain["exp_rescue_teams"]) <= len(base_features("toll_stations"))
    assert Counter(i.record.properties["event_type"] for i in samples.events) == {
        "accident": 60, "congestion": 45, "construction": 40, "weather": 30, "closure": 25}


def test_every_record_validates_against_its_layer(layers, samples):
    for layer_id, records in all_records(samples).items():
        assert_valid(layers[layer_id], records)


def test_points_lie_on_an_expressway_at_their_stake(samples):
    expressways = {f["properties"]["route_code"] for f in base_features("roads")
                   if f["properties"]["road_class"] == "expressway"}
    for layer_id, records in all_records(samples).items():
        for record in records:
            p = record.properties
            assert p["route_code"] in expressways, layer_id
            stake, distance = stake_of(p["route_code"], record.geometry)
            assert distance < 1.0, (layer_id, p)
            assert abs(stake - p["stake_m"]) < 1.0, (layer_id, p, stake)


def test_adcode_is_the_prefecture_the_point_lies_in(samples):
    for records in all_records(samples).values():
        for record in records:
            assert record.properties["adcode"] == prefecture_of(record.geometry)


def test_event_histories_follow_the_workflow_and_agree_with_the_supervision_fields(layers, samples):
    for item in samples.events:
        assert_lawful_history(layers["exp_events"], item.record, item.history, NOW)


def test_events_spread_over_states_some_overdue_now_some_closed_late(layers, samples):
    states = Counter(i.record.properties["workflow_state"] for i in samples.events)
    assert set(states) == {"reported", "confirmed", "dispatched", "handling", "cleared", "closed", "dismissed"}
    open_count, overdue, finished, late = timeliness(layers["exp_events"], samples.events)
    assert open_count == 41 and finished == 159
    assert 0 < overdue < open_count / 2
    assert 0 < late < finished / 2


def test_event_times_tell_one_story(samples):
    for item in samples.events:
        p = item.record.properties
        created = item.history[0].at
        assert p["start_time"] <= created
        clear = next((e for e in item.history if e.transition == "clear"), None)
        handling = next((e for e in item.history if e.transition == "start_handling"), None)
        if clear is not None:
            assert p["end_time"] == clear.at
        elif p["workflow_state"] != "dismissed":
            assert p["end_time"] is None
        if handling is not None:
            assert p["expected_end_time"] == handling.values["expected_end_time"] > handling.at
        if p["end_stake_m"] is not None:
            assert p["event_type"] in ("closure", "congestion", "construction")


def test_closures_are_being_handled_now_and_reopen_after_now(samples):
    active = [i.record.properties for i in samples.events
              if i.record.properties["event_type"] == "closure" and i.record.properties["workflow_state"] == "handling"
              and not i.record.properties["overdue"]]
    assert len(active) >= 6
    for p in active:
        assert p["start_time"] < NOW < p["expected_end_time"] and p["end_time"] is None


def test_resources_carry_their_kind_and_strength(samples):
    teams = samples.plain["exp_rescue_teams"]
    assert {t.properties["resource_type"] for t in teams} <= {"clearance", "maintenance", "medical", "fire"}
    assert all(t.properties["members"] > 0 and t.properties["vehicles"] > 0 for t in teams)
    codes = [r.properties["store_code"] for r in samples.plain["exp_emergency_stores"]]
    assert len(codes) == len(set(codes))


def test_the_same_reference_time_gives_the_same_rows(layers, samples):
    again = generate(layers, NOW)
    assert all(same_record(a.record, b.record) and a.history == b.history
               for a, b in zip(samples.events, again.events, strict=True))
    for layer_id, records in samples.plain.items():
        assert all(same_record(a, b) for a, b in zip(records, again.plain[layer_id], strict=True))


def test_a_later_reference_time_shifts_every_time_and_nothing_else(layers, samples):
    day = timedelta(days=1)
    later = generate(layers, NOW + day)
    for a, b in zip(samples.events, later.events, strict=True):
        pa, pb = a.record.properties, b.record.properties
        for name in TIME_FIELDS:
            assert pb[name] == (pa[name] + day if pa[name] is not None else None)
        rest = set(pa) - set(TIME_FIELDS) - {"event_no"}
        assert {k: pa[k] for k in rest} == {k: pb[k] for k in rest}
        assert [(e.at + day, e.actor, e.transition) for e in a.history] == [(e.at, e.actor, e.transition)
                                                                            for e in b.history]
    assert all(same_record(a, b) for a, b in zip(samples.plain["exp_cameras"], later.plain["exp_cameras"], strict=True))


def test_loading_writes_every_layer_once(store_factory):
    store = store_factory()
    registry = LayerRegistry(store)
    register_domain_layers(registry, [DOMAIN])
    context = SampleContext(registry=registry, now=NOW, progress=lambda *_: None)
    written = load_samples(context)
    counts = {layer_id: store.layer_state(registry.get(layer_id)).feature_count for layer_id in LAYER_IDS}
    assert written == counts and counts["exp_events"] == 200
    assert load_samples(context) == {}  # already loaded: left alone
    again = load_samples(replace_context(context))
    assert again == counts
    assert {layer_id: store.layer_state(registry.get(layer_id)).feature_count for layer_id in LAYER_IDS} == counts


def replace_context(context: SampleContext) -> SampleContext:
    return SampleContext(registry=context.registry, now=context.now, progress=context.progress, replace=True)
