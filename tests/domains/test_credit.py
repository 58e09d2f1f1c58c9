"""The credit domain's samples: 3,000 enterprises with the shared codes, grades that follow the score
bands, credit records whose penalty entries cite real enforcement decisions, loadable into both stores."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from shapely.geometry import Point

from domains.credit import DOMAIN, LAYER_IDS
from domains.credit.samples import enterprise_records, event_records, load
from domains.enforcement.samples import case_items
from domains.framework.discovery import discover_domains
from domains.framework.domain import SampleContext
from domains.framework.identities import ENTERPRISE_COUNT, enterprise_code, enterprise_kind
from domains.framework.samples import register_domain_layers
from layers.registry import LayerRegistry
from layers.validation import CHINA_TZ, check_properties
from tests.domains.sample_checks import assert_valid, base_features, prefecture_of, same_record

NOW = datetime(2025, 6, 16, 0, 0, tzinfo=UTC)  # 08:00 China time
#: The highway-market credit bands, written out independently of the generator.
BANDS = [(95.0, "AA"), (85.0, "A"), (75.0, "B"), (60.0, "C"), (0.0, "D")]


@pytest.fixture(scope="module")
def layers():
    return {layer.id: layer for layer in DOMAIN.layers()}


@pytest.fixture(scope="module")
def enterprises():
    return enterprise_records(NOW)


@pytest.fixture(scope="module")
def events():
    return event_records(NOW)


def test_declares_enterprises_and_credit_records(layers):
    assert tuple(layers) == LAYER_IDS
    assert [layer.catalogue_code for layer in layers.values()] == ["JL-JT-XY-0001", "JL-JT-XY-0002"]
    grade = layers["cre_enterprises"].field("credit_grade")
    assert grade is not None and grade.enum_codes() == {"AA", "A", "B", "C", "D"}
    assert grade.label_of("D") == "D级（信用差）"


def test_credit_comes_before_the_domains_that_cite_its_enterprises():
    ids = [d.id for d in discover_domains()]
    assert ids[0] == "base"
    for domain in ("credit", "enforcement", "hazards", "construction", "visual"):
        assert domain in ids
    assert ids.index("credit") < ids.index("enforcement") and ids.index("credit") < ids.index("construction")


def test_every_enterprise_number_has_its_shared_code_and_kind(enterprises):
    assert len(enterprises) == ENTERPRISE_COUNT
    for n, record in enumerate(enterprises):
        assert record.properties["credit_code"] == enterprise_code(n)
        assert record.properties["kind"] == enterprise_kind(n)
    assert len({r.properties["name_zh"] for r in enterprises}) == ENTERPRISE_COUNT


def test_enterprises_stand_in_the_prefecture_they_name(enterprises):
    names = {f["properties"]["adcode"]: f["properties"]["name_zh"] for f in base_features("prefectures")}
    for record in enterprises:
        assert prefecture_of(record.geometry) == record.properties["adcode"]
        assert record.properties["address"].startswith("吉林省" + names[record.properties["adcode"]])


def test_records_are_what_the_layers_store(layers, enterprises, events):
    for layer_id, records in (("cre_enterprises", enterprises), ("cre_credit_events", events)):
        assert_valid(layers[layer_id], records)
        for record in records:
            assert check_properties(layers[layer_id], record.properties) == record.properties


def test_grade_is_the_band_of_the_score_and_sets_supervision(enterprises):
    rates = {"AA": 5.0, "A": 10.0, "B": 20.0, "C": 50.0, "D": 100.0}
    for record in enterprises:
        p = record.properties
        expected = next(grade for lowest, grade in BANDS if p["credit_score"] >= lowest)
        assert p["credit_grade"] == expected
        assert p["key_supervision"] == (expected in ("C", "D"))
        assert p["spot_check_rate_pct"] == rates[expected]
    grades = Counter(r.properties["credit_grade"] for r in enterprises)
    assert set(grades) == {"AA", "A", "B", "C", "D"}
    assert grades["A"] + grades["B"] > grades["C"] + grades["D"]


def test_record_counts_are_the_records_in_force(enterprises, events):
    today = NOW.astimezone(CHINA_TZ).date()
    in_force = Counter((e.properties["credit_code"], e.properties["record_type"]) for e in events
                       if e.properties["recorded_at"] <= NOW and e.properties["valid_until"] >= today)
    for record in enterprises:
        code = record.properties["credit_code"]
        assert record.properties["bad_records"] == in_force[(code, "bad")]
        assert record.properties["good_records"] == in_force[(code, "good")]


def test_penalty_records_cite_the_decision_of_a_case_against_the_same_enterprise(events):
    cases = {item.record.properties["case_no"]: item.record.properties for item in case_items(NOW)}
    penalties = [e.properties for e in events if e.properties["category"] == "penalty"]
    assert len(penalties) > 200
    for event in penalties:
        case = cases[event["case_no"]]
        assert case["credit_code"] == event["credit_code"]
        assert case["decision_no"] == event["decision_no"]
        assert case["decided_at"] <= event["recorded_at"] <= case["decided_at"] + timedelta(days=8)
        assert event["record_type"] == "bad" and event["score_delta"] < 0
    cited = {e["case_no"] for e in penalties}
    decided_long_ago = {no for no, c in cases.items() if c["decided_at"] and c["decided_at"] < NOW - timedelta(days=9)}
    assert decided_long_ago <= cited
    others = [e.properties for e in events if e.properties["category"] != "penalty"]
    assert all(e["case_no"] is None for e in others)


def test_event_numbers_are_unique_and_records_sit_at_their_enterprise(enterprises, events):
    assert len({e.properties["event_no"] for e in events}) == len(events)
    place = {r.properties["credit_code"]: r.geometry for r in enterprises}
    for event in events:
        assert event.geometry.equals(place[event.properties["credit_code"]])
        assert event.properties["recorded_at"] <= NOW


def test_the_same_time_gives_the_same_rows(enterprises, events):
    from domains.credit.events import credit_events

    credit_events.cache_clear()
    again = enterprise_records(NOW)
    assert all(same_record(a, b) for a, b in zip(enterprises, again, strict=True))
    assert all(same_record(a, b) for a, b in zip(events, event_records(NOW), strict=True))
    assert isinstance(enterprises[0].geometry, Point)


def test_loading_writes_both_layers_once(store_factory, enterprises, events):
    store = store_factory()
    registry = LayerRegistry(store)
    register_domain_layers(registry, [DOMAIN])
    context = SampleContext(registry=registry, now=NOW, progress=lambda *_: None)
    written = load(context)
    counts = {layer_id: store.layer_state(registry.get(layer_id)).feature_count for layer_id in LAYER_IDS}
    assert written == counts == {"cre_enterprises": len(enterprises), "cre_credit_events": len(events)}
    assert load(context) == {}
