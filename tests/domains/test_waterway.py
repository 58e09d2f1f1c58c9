"""The waterway domain's samples: channel sections along the stored Songhua centre line, marks, boats and
incidents afloat, stations ashore, lawful histories for tasks, incidents and notices, deterministic for a
reference time, and loadable into both stores."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from functools import cache
from itertools import pairwise

import pytest
import shapely
from shapely.geometry import LineString, Point, shape
from shapely.ops import substring

from domains.framework.domain import SampleContext
from domains.framework.samples import register_domain_layers
from domains.waterway import DOMAIN, LAYER_IDS
from domains.waterway.samples import generate, load_samples
from layers.registry import LayerRegistry
from tests.domains.sample_checks import (
    assert_lawful_history,
    assert_valid,
    base_features,
    gap_m,
    metres,
    prefecture_of,
    prefectures,
    same_record,
    timeliness,
)

NOW = datetime(2025, 3, 12, 0, 0, tzinfo=UTC)
WORKFLOW_LAYERS = ("wat_maintenance_tasks", "wat_incidents", "wat_notices")


@pytest.fixture(scope="module")
def layers():
    return {layer.id: layer for layer in DOMAIN.layers()}


@pytest.fixture(scope="module")
def samples(layers):
    return generate(layers, NOW)


def records(samples, layer_id: str):
    if layer_id in samples.plain:
        return samples.plain[layer_id]
    return [item.record for item in samples.items[layer_id]]


@cache
def reaches() -> tuple[tuple[dict, LineString], ...]:
    rows = [(f["properties"], shape(f["geometry"])) for f in base_features("river_centerline")]
    return tuple(sorted(rows, key=lambda row: row[0]["start_chainage_m"]))


@cache
def water():
    area = shapely.union_all([shape(f["geometry"]) for f in base_features("river_area")])
    shapely.prepare(area)
    return area


def chainage_of(point: Point) -> tuple[float, float]:
    """Chainage of the centre-line point nearest to `point` and the distance to it (m)."""
    best = None
    for props, line in reaches():
        along = line.project(point)
        distance = gap_m(point, line.interpolate(along))
        if best is None or distance < best[1]:
            best = (props["start_chainage_m"] + metres(substring(line, 0, along)), distance)
    return best


def test_declares_seven_layers_and_three_workflows(layers):
    assert tuple(layers) == LAYER_IDS
    assert [layer.catalogue_code for layer in layers.values()] == [f"JL-JT-HS-000{n}" for n in range(1, 8)]
    flows = {layer_id: layers[layer_id].workflow for layer_id in WORKFLOW_LAYERS}
    assert [s.name_zh for s in flows["wat_incidents"].states] == ["已报告", "已调度", "救援中", "已结案"]
    assert [s.name_zh for s in flows["wat_notices"].states] == ["草稿", "已审核", "已发布", "已撤销"]
    assert flows["wat_maintenance_tasks"].terminal_states == {"accepted", "cancelled"}
    for layer_id in WORKFLOW_LAYERS:
        assert layers[layer_id].field("adcode").required


def test_sample_counts(samples):
    counts = {layer_id: len(records(samples, layer_id)) for layer_id in LAYER_IDS}
    assert counts["wat_maintenance_tasks"] == 120 and counts["wat_incidents"] == 60 and counts["wat_notices"] == 40
    assert counts["wat_vessels"] == 80 and counts["wat_rescue_resources"] == 25
    assert 150 <= counts["wat_buoys"] <= 300 and 10 <= counts["wat_channel_sections"] <= 20


def test_every_record_validates_against_its_layer(layers, samples):
    for layer_id in LAYER_IDS:
        assert_valid(layers[layer_id], records(samples, layer_id))


def test_channel_sections_cover_the_river_end_to_end_along_its_centre_line(samples):
    sections = sorted(records(samples, "wat_channel_sections"), key=lambda r: r.properties["start_chainage_m"])
    ends = [(r.properties["start_chainage_m"], r.properties["end_chainage_m"]) for r in sections]
    assert ends[0][0] == 0 and ends[-1][1] == reaches()[-1][0]["end_chainage_m"]
    assert all(a[1] == b[0] for a, b in pairwise(ends))
    for record in sections:
        start, end = record.properties["start_chainage_m"], record.properties["end_chainage_m"]
        line = record.geometry
        assert abs(metres(line) - (end - start)) < 2 + 0.001 * (end - start)
        for vertex, expected in ((Point(line.coords[0]), start), (Point(line.coords[-1]), end)):
            at, distance = chainage_of(vertex)
            assert distance < 1.0 and abs(at - expected) < 1.0


def test_marks_boats_and_incidents_are_afloat_near_their_chainage(samples):
    afloat = [*records(samples, "wat_buoys"), *records(samples, "wat_vessels"), *records(samples, "wat_incidents"),
              *(r for r in records(samples, "wat_rescue_resources")
                if r.properties["resource_type"] in ("rescue_boat", "patrol_boat"))]
    for record in afloat:
        assert water().covers(record.geometry), record.properties
        at, distance = chainage_of(record.geometry)
        assert distance < 100 and abs(at - record.properties["chainage_m"]) < 200, record.properties


def test_stations_teams_and_depots_stand_on_the_bank(samples):
    ashore = [r for r in records(samples, "wat_rescue_resources")
              if r.properties["resource_type"] not in ("rescue_boat", "patrol_boat")]
    assert ashore
    for record in ashore:
        assert not water().covers(record.geometry)
        assert chainage_of(record.geometry)[1] < 1000


def test_adcode_is_the_prefecture_of_the_place(samples):
    for layer_id in LAYER_IDS:
        for record in records(samples, layer_id):
            if record.geometry.geom_type == "Point":
                assert record.properties["adcode"] == prefecture_of(record.geometry)
            else:
                assert record.properties["adcode"] in {c for c, p in prefectures() if p.intersects(record.geometry)}


def test_histories_follow_the_workflows_some_overdue_now_some_late(layers, samples):
    for layer_id in WORKFLOW_LAYERS:
        items = samples.items[layer_id]
        for item in items:
            assert_lawful_history(layers[layer_id], item.record, item.history, NOW)
        open_count, overdue, finished, late = timeliness(layers[layer_id], items)
        assert 0 < overdue < open_count / 2, layer_id
        if layer_id != "wat_notices":
            assert 0 < late < finished / 2, layer_id
    states = Counter(i.record.properties["workflow_state"] for i in samples.items["wat_maintenance_tasks"])
    assert set(states) == {"planned", "assigned", "in_progress", "completed", "accepted", "cancelled"}


def test_tasks_and_incidents_cite_real_marks_and_vessels(samples):
    buoys = {r.properties["buoy_code"]: r for r in records(samples, "wat_buoys")}
    for task in records(samples, "wat_maintenance_tasks"):
        code = task.properties["buoy_code"]
        assert (code is not None) == (task.properties["task_type"] == "buoy_maintenance")
        if code is not None:
            assert task.geometry.equals(buoys[code].geometry)
            if task.properties["workflow_state"] not in ("accepted", "cancelled"):
                assert buoys[code].properties["status"] != "normal"
    vessels = {r.properties["mmsi"]: r.properties["ship_name"] for r in records(samples, "wat_vessels")}
    for item in samples.items["wat_incidents"]:
        p = item.record.properties
        if p["vessel_mmsi"] is not None:
            assert vessels[p["vessel_mmsi"]] == p["vessel_name"]
        assert p["occurred_at"] < item.history[0].at


def test_published_notices_expire_at_their_deadline_and_cover_their_stretch(samples):
    expired = 0
    for item in samples.items["wat_notices"]:
        p = item.record.properties
        assert p["effective_from"] < p["effective_to"]
        assert abs(metres(item.record.geometry) - (p["end_chainage_m"] - p["start_chainage_m"])) < 2 + 0.001 * (
            p["end_chainage_m"] - p["start_chainage_m"])
        if p["workflow_state"] == "published":
            assert p["deadline"] == p["effective_to"]
            expired += p["effective_to"] < NOW
    assert expired > 0


def test_the_same_reference_time_gives_the_same_rows(layers, samples):
    again = generate(layers, NOW)
    for layer_id in samples.plain:
        assert all(same_record(a, b) for a, b in zip(samples.plain[layer_id], again.plain[layer_id], strict=True))
    for layer_id in samples.items:
        assert all(same_record(a.record, b.record) and a.history == b.history
                   for a, b in zip(samples.items[layer_id], again.items[layer_id], strict=True))


def test_loading_writes_every_layer_once(store_factory):
    store = store_factory()
    registry = LayerRegistry(store)
    register_domain_layers(registry, [DOMAIN])
    context = SampleContext(registry=registry, now=NOW, progress=lambda *_: None)
    written = load_samples(context)
    counts = {layer_id: store.layer_state(registry.get(layer_id)).feature_count for layer_id in LAYER_IDS}
    assert written == counts and counts["wat_incidents"] == 60
    assert load_samples(context) == {}
