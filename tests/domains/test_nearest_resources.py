"""Nearest emergency resources for an expressway event, along the road network (not straight line).

A U-shaped road: G910 runs 10 km east, G911 2 km north, G912 10 km back west, 2 km north of G910.
From an event near G910's west end, the store on G912 straight across (2 km away) is ~21 km by
road, farther than a team 5.5 km along G910 and one beside G911; a resource on a road not joined
to the others, and one whose depot lies 10 km from its road, cannot come at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domains.expressway.nearest import ACCESS_SPEED_KMH, ARRIVAL_SPEED_FACTOR, MAX_ACCESS_M
from domains.expressway.rules import NearestResourcesRule
from domains.framework.rules import RuleContext, RuleEvent
from gis_server.app import create_app
from gis_server.settings import Settings
from layers.model import LayerDefinition
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.linear_referencing.conftest import base_layer
from tests.linear_referencing.constructed import GEOD, insert, lonlat, road

ROADS = [
    road("G910", (0, 0), (10_000, 0), speed=100),
    road("G911", (10_000, 0), (10_000, 2_000), speed=60),
    road("G912", (10_000, 2_000), (0, 2_000), speed=100),
    road("S913", (0, 6_000), (5_000, 6_000), speed=60),
]
END = {f["properties"]["route_code"]: f["properties"]["end_stake_m"] for f in ROADS}
FIELDS = [
    {"name": "name_zh", "type": "string", "title_zh": "名称", "required": True, "max_length": 64},
    {"name": "route_code", "type": "string", "title_zh": "路线编号", "max_length": 8},
    {"name": "stake_m", "type": "integer", "title_zh": "桩号", "unit": "m"},
    {"name": "resource_type", "type": "string", "title_zh": "类别", "max_length": 24},
    {"name": "adcode", "type": "string", "title_zh": "市（州）", "max_length": 6},
]


def layer(layer_id: str, fields: list[dict], read_roles: tuple[str, ...] = ("dispatcher",)) -> LayerDefinition:
    return LayerDefinition.model_validate({
        "id": layer_id, "title_zh": layer_id, "title_en": layer_id, "domain": "expressway",
        "catalogue_code": "JL-JT-GS-9999", "geometry_type": "Point", "fields": fields, "read_roles": read_roles,
        "valid_extent": [120.5, 40.0, 132.0, 47.0]})


EVENTS = layer("exp_events", [
    {"name": "event_no", "type": "string", "title_zh": "事件编号", "max_length": 24},
    {"name": "event_type", "type": "string", "title_zh": "类型", "max_length": 16},
    {"name": "route_code", "type": "string", "title_zh": "路线编号", "max_length": 8},
    {"name": "stake_m", "type": "integer", "title_zh": "桩号"},
    {"name": "start_time", "type": "datetime", "title_zh": "发生时间"},
    {"name": "adcode", "type": "string", "title_zh": "市（州）", "max_length": 6},
], read_roles=("public",))
STORES = layer("exp_emergency_stores", FIELDS)
TEAMS = layer("exp_rescue_teams", FIELDS)


def point_feature(x: float, y: float, **props: object) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(lonlat(x, y))},
            "properties": {"adcode": "220100", **props}}


@pytest.fixture
def registry(store_url: str, tmp_path: Path) -> Iterator[LayerRegistry]:
    store = open_store(store_url)
    registry = LayerRegistry(store)
    for definition in (base_layer("roads"), EVENTS, STORES, TEAMS):
        registry.register(definition)
    insert(registry, "roads", ROADS)
    insert(registry, "exp_emergency_stores", [
        point_feature(500, 2_000, name_zh="甲物资库", route_code="G912", stake_m=9_500, resource_type="snow_ice"),
        point_feature(2_000, 6_000, name_zh="孤路物资库", route_code="S913", stake_m=2_000, resource_type="repair"),
    ])
    insert(registry, "exp_rescue_teams", [
        point_feature(6_000, -100, name_zh="乙清障队", route_code="G910", stake_m=6_000, resource_type="clearance"),
        point_feature(3_000, -10_000, name_zh="远驻地队", route_code="G910", stake_m=3_000, resource_type="medical"),
        point_feature(10_050, 1_000, name_zh="丙养护队", route_code="G999", stake_m=1_000, resource_type="maintenance"),
    ])
    insert(registry, "exp_events", [point_feature(500, 0, event_no="E1", event_type="accident", route_code="G910",
                                                  stake_m=500, start_time="2024-05-01T08:00:00+08:00")])
    yield registry
    registry.close()
    store.close()


def metres(x0: float, y0: float, x1: float, y1: float) -> float:
    return float(GEOD.inv(*lonlat(x0, y0), *lonlat(x1, y1))[2])


def expected() -> list[tuple[str, float, float]]:
    """(name, distance along the roads incl. access, minutes) in the order they should come."""
    kmh = {"G910": 100, "G911": 60, "G912": 100}
    team_b_road = 6_000 - 500
    team_b_access = metres(6_000, -100, 6_000, 0)
    team_c_road = (END["G910"] - 500, 1_000)  # along G910, then G911 to its stake 1000
    team_c_access = metres(10_050, 1_000, 10_000, 1_000)
    store_a = (END["G910"] - 500, END["G911"], 9_500)
    access = ACCESS_SPEED_KMH / 3.6

    def minutes(parts: list[tuple[float, str]], off: float) -> float:
        return (sum(m / (kmh[r] / 3.6) for m, r in parts) / ARRIVAL_SPEED_FACTOR + off / access) / 60

    return [
        ("乙清障队", team_b_road + team_b_access, minutes([(team_b_road, "G910")], team_b_access)),
        ("丙养护队", sum(team_c_road) + team_c_access,
         minutes([(team_c_road[0], "G910"), (team_c_road[1], "G911")], team_c_access)),
        ("甲物资库", sum(store_a), minutes([(store_a[0], "G910"), (store_a[1], "G911"), (store_a[2], "G912")], 0)),
    ]


def test_rule_ranks_by_road_distance_not_straight_line(registry: LayerRegistry) -> None:
    context = RuleContext(registry, lambda: datetime(2024, 5, 1, tzinfo=UTC))
    result = NearestResourcesRule().run(RuleEvent("feature_created", "exp_events", {"fid": 1}), context)
    found = [(f.properties["name_zh"], f.properties["network_distance_m"], f.properties["travel_time_min"])
             for f in result.findings]
    assert [name for name, *_ in found] == [name for name, *_ in expected()]
    for (_, distance, minutes), (_, want_distance, want_minutes) in zip(found, expected(), strict=True):
        assert distance == pytest.approx(want_distance, abs=2.0)
        assert minutes == pytest.approx(want_minutes, abs=0.1)
    straight = {f.properties["name_zh"]: f.properties["straight_distance_m"] for f in result.findings}
    assert min(straight, key=straight.__getitem__) == "甲物资库"  # the straight-line nearest comes last
    assert result.written == []


def test_unreachable_resources_are_left_out(registry: LayerRegistry) -> None:
    context = RuleContext(registry, lambda: datetime(2024, 5, 1, tzinfo=UTC))
    event = RuleEvent("requested", "exp_events", {"route": "G910", "stake": "K0+500", "k": 50})
    names = {f.properties["name_zh"] for f in NearestResourcesRule().run(event, context).findings}
    assert names == {"乙清障队", "丙养护队", "甲物资库"}
    assert metres(3_000, -10_000, 3_000, 0) > MAX_ACCESS_M  # the far depot really is beyond the limit


def test_api_for_an_event_and_for_a_place(registry: LayerRegistry, store_url: str) -> None:
    settings = Settings(database_url=store_url, admin_token="token")
    with TestClient(create_app(settings, store=registry.store)) as client:
        response = client.get("/expressway/events/1/resources", params={"k": 2},
                              headers={"Authorization": "Bearer token"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["type"] == "FeatureCollection" and body["numberReturned"] == 2
        assert [f["properties"]["name_zh"] for f in body["features"]] == ["乙清障队", "丙养护队"]
        assert body["origin"]["route"] == "G910" and body["origin"]["event_no"] == "E1"
        place = client.get("/expressway/resources/nearest", params={"ref": "G910 K0+500", "resource_type": "snow_ice"},
                           headers={"Authorization": "Bearer token"}).json()
        assert [f["properties"]["name_zh"] for f in place["features"]] == ["甲物资库"]
        assert place["features"][0]["properties"]["network_distance_m"] == pytest.approx(expected()[2][1], abs=2.0)
        # the resource layers are not public
        assert client.get("/expressway/events/1/resources").status_code == 401
        assert client.get("/expressway/events/99/resources", headers={"Authorization": "Bearer token"}).status_code \
            == 404
        bad_k = client.get("/expressway/events/1/resources", params={"k": 0}, headers={"Authorization": "Bearer token"})
        assert bad_k.status_code == 400 and bad_k.json()["parameter"] == "k"
