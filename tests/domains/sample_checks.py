"""Checks shared by the waterway, permits and expressway sample tests, computed independently of the
generators: histories replayed against the layer's declared workflow, supervision fields re-derived
from the declaration, records validated against the layer, places measured on the stored base samples.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point, shape
from shapely.ops import substring

from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord
from layers.validation import CHINA_TZ, check_geometry, check_properties
from layers.workflow import HistoryEntry

GEOD = Geod(ellps="GRS80")
BASE = Path(__file__).resolve().parents[2] / "data" / "samples" / "base"


def metres(geometry: shapely.Geometry) -> float:
    return float(GEOD.geometry_length(geometry))


def gap_m(a: Point, b: Point) -> float:
    return float(GEOD.inv(a.x, a.y, b.x, b.y)[2])


@cache
def base_features(layer_id: str) -> tuple[dict, ...]:
    return tuple(json.loads((BASE / f"{layer_id}.geojson").read_text(encoding="utf-8"))["features"])


@cache
def road_sections() -> dict[str, list[tuple[dict, LineString]]]:
    by_route: dict[str, list[tuple[dict, LineString]]] = {}
    for f in base_features("roads"):
        by_route.setdefault(f["properties"]["route_code"], []).append((f["properties"], shape(f["geometry"]).geoms[0]))
    for items in by_route.values():
        items.sort(key=lambda item: item[0]["start_stake_m"])
    return by_route


def stake_of(route_code: str, point: Point) -> tuple[float, float]:
    """The stake of the stored road point nearest to `point`, and the distance to it (m)."""
    best = None
    for props, line in road_sections()[route_code]:
        along = line.project(point)
        nearest = line.interpolate(along)
        distance = gap_m(point, nearest)
        if best is None or distance < best[1]:
            best = (props["start_stake_m"] + metres(substring(line, 0, along)), distance)
    assert best is not None
    return best


@cache
def prefectures() -> tuple[tuple[str, shapely.Geometry], ...]:
    return tuple((f["properties"]["adcode"], shape(f["geometry"])) for f in base_features("prefectures"))


def prefecture_of(point: Point) -> str:
    inside = [code for code, polygon in prefectures() if polygon.covers(point)]
    assert len(inside) == 1, f"{point} lies in {inside}"
    return inside[0]


def assert_valid(layer: LayerDefinition, records: list[FeatureRecord]) -> None:
    """Every record is accepted by the layer's geometry and schema rules (raises InvalidFeature if not)."""
    for record in records:
        check_geometry(layer, record.geometry)
        check_properties(layer, record.properties)


def role_of(actor: str) -> str:
    return actor.split(".", 1)[0]


def _as_moment(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    assert isinstance(value, date)
    return datetime.combine(value + timedelta(days=1), time(0), CHINA_TZ)


def assert_lawful_history(layer: LayerDefinition, record: FeatureRecord, history: tuple[HistoryEntry, ...],
                          now: datetime) -> None:
    """The history starts with the creation by a role that may create, then follows only declared
    transitions from the state the item was in, made by a role the transition names, in time order,
    each with its required comment and attachments, each recording the deadline of the state it left;
    the item's supervision fields agree with the last entry and the declared time limits."""
    spec = layer.workflow
    assert spec is not None
    first = history[0]
    assert first.from_state is None and first.transition is None and first.to_state == spec.initial
    assert role_of(first.actor) in (spec.create_roles or layer.write_roles)
    given: dict[str, object] = dict(first.values)

    def deadline_of(state_id: str, since: datetime) -> datetime | None:
        state = spec.state(state_id)
        assert state is not None
        if state.terminal:
            return None
        if state.time_limit_hours is not None:
            return since + timedelta(hours=state.time_limit_hours)
        name = state.deadline_field
        return _as_moment(given[name] if name in given else record.properties.get(name))

    state, since = first.to_state, first.at
    for entry in history[1:]:
        transition = spec.transition(entry.transition or "")
        assert transition is not None, entry
        assert entry.from_state == state and state in transition.from_states and entry.to_state == transition.to
        assert role_of(entry.actor) in transition.roles, (entry.actor, transition.roles)
        assert entry.at >= since
        assert entry.deadline == deadline_of(state, since)
        if transition.comment_required:
            assert entry.comment
        ids = [str(a) for a in entry.values.get("_attachments", ())]
        for name in transition.attachments:
            assert any(i.endswith(f"/{name}") for i in ids), (name, ids)
        for name in transition.requires:
            assert entry.values.get(name) is not None or record.properties.get(name) is not None
        given.update(entry.values)
        state, since = entry.to_state, entry.at
    last = history[-1]
    assert last.at <= now
    props = record.properties
    assert props["workflow_state"] == state
    assert props["state_since"] == last.at
    assert props["holder"] == last.actor and props["holder_org"] == last.actor_org
    deadline = deadline_of(state, since)
    assert props["deadline"] == deadline
    assert props["overdue"] == (deadline is not None and now > deadline)


def timeliness(layer: LayerDefinition, items: list) -> tuple[int, int, int, int]:
    """(open items, open and overdue now, finished items, finished with a late step)."""
    spec = layer.workflow
    assert spec is not None
    terminal = spec.terminal_states
    open_items = [i for i in items if i.record.properties["workflow_state"] not in terminal]
    finished = [i for i in items if i.record.properties["workflow_state"] in terminal]
    overdue = sum(bool(i.record.properties["overdue"]) for i in open_items)
    late = sum(any(e.late for e in i.history) for i in finished)
    return len(open_items), overdue, len(finished), late


def same_record(a: FeatureRecord, b: FeatureRecord) -> bool:
    return a.properties == b.properties and a.geometry.equals_exact(b.geometry, 0.0)
