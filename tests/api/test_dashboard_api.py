"""The dashboard's statistics API on both stores, over constructed workflow items and vehicle positions:
every figure is compared with what the constructed data says, counted here in plain Python."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from shapely.geometry import Point

from domains.framework.discovery import domain as installed_domain
from domains.road_transport.positions.batch import PositionBatch, to_ms
from domains.road_transport.positions.store import position_store
from domains.road_transport.samples.vehicles import vehicle_specs
from domains.workflow import insert_items
from gis_server.app import create_app
from gis_server.settings import Settings
from layers.model import LayerDefinition
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from layers.workflow import HistoryEntry

CHINA = timezone(timedelta(hours=8))
H, D = timedelta(hours=1), timedelta(days=1)
ADMIN = "dashboard-admin-token-0123456789"
OFFICER = "dashboard-officer-token-0123456789"


def _workflow(handling_zh: str, closed_zh: str) -> dict[str, Any]:
    return {
        "initial": "reported",
        "states": [
            {"id": "reported", "name_zh": "已上报", "time_limit_hours": 24},
            {"id": "handling", "name_zh": handling_zh, "time_limit_hours": 48},
            {"id": "closed", "name_zh": closed_zh, "terminal": True},
            {"id": "dismissed", "name_zh": "不予受理", "terminal": True},
        ],
        "transitions": [
            {"id": "handle", "name_zh": "处置", "from_states": ["reported"], "to": "handling", "roles": ["admin"]},
            {"id": "close", "name_zh": "办结", "from_states": ["handling"], "to": "closed", "roles": ["admin"]},
            {"id": "dismiss", "name_zh": "不予受理", "from_states": ["reported"], "to": "dismissed",
             "roles": ["admin"]},
        ],
    }


def _layer(layer_id: str, domain: str, read_roles: list[str], handling_zh: str, closed_zh: str) -> LayerDefinition:
    return LayerDefinition.model_validate({
        "id": layer_id, "title_zh": f"测试{layer_id}", "title_en": layer_id, "domain": domain,
        "catalogue_code": "JL-JT-CS-9901", "geometry_type": "Point", "valid_extent": [120.0, 40.0, 132.0, 47.0],
        "read_roles": read_roles, "write_roles": ["admin"],
        "fields": [{"name": "name", "type": "string", "title_zh": "名称"},
                   {"name": "adcode", "type": "string", "title_zh": "行政区划代码"}],
        "workflow": _workflow(handling_zh, closed_zh),
    })


#: Public expressway events and restricted hazards: "已上报" is shared, the other open state is named apart.
EVENTS = _layer("dash_events", "expressway", ["public"], "处置中", "已关闭")
HAZARDS = _layer("dash_hazards", "hazards", ["safety_officer"], "整改中", "已销号")
TERMINAL = {"closed", "dismissed"}
STATE_ZH = {EVENTS.id: {"reported": "已上报", "handling": "处置中", "closed": "已关闭", "dismissed": "不予受理"},
            HAZARDS.id: {"reported": "已上报", "handling": "整改中", "closed": "已销号", "dismissed": "不予受理"}}
ORG_A, ORG_B, ORG_C = "长春市交通运输局", "吉林市公路事业发展中心", "四平市交通运输综合行政执法支队"
PREFECTURE_ZH = {"220100": "长春市", "220200": "吉林市", "220300": "四平市", None: "未填写 / not given"}
STEPS = {"handling": [("handle", "reported", "handling")],
         "closed": [("handle", "reported", "handling"), ("close", "handling", "closed")],
         "dismissed": [("dismiss", "reported", "dismissed")]}


@dataclass(frozen=True)
class Item:
    """A constructed item: where it stands now and when its steps were taken (offsets from now)."""

    layer: LayerDefinition
    state: str
    adcode: str | None
    #: The prefecture it counts for (county codes roll up).
    prefecture: str | None
    org: str
    deadline: timedelta | None
    created: timedelta
    moved: tuple[timedelta, ...] = ()

    def history(self, now: datetime) -> list[HistoryEntry]:
        entries = [HistoryEntry(at=now + self.created, actor="builder", to_state="reported", actor_org=self.org)]
        for (transition, source, target), at in zip(STEPS.get(self.state, []), self.moved, strict=True):
            entries.append(HistoryEntry(at=now + at, actor="builder", from_state=source, to_state=target,
                                        transition=transition, actor_org=self.org))
        return entries

    def record(self, now: datetime, x: float) -> FeatureRecord:
        return FeatureRecord(Point(x, 43.9), {
            "name": f"{self.layer.id}-{self.state}", "adcode": self.adcode, "workflow_state": self.state,
            "holder": "builder", "holder_org": self.org, "state_since": now + (self.moved or (self.created,))[-1],
            "deadline": None if self.deadline is None else now + self.deadline, "overdue": False})


def _items(now: datetime) -> list[Item]:
    # created at 00:30 China time yesterday: the day before in UTC, so a UTC day would count it wrongly
    yesterday_0030 = datetime.combine(now.astimezone(CHINA).date() - D, time(0, 30), CHINA)
    return [
        Item(EVENTS, "reported", "220100", "220100", ORG_A, -10 * H, -34 * H),
        Item(EVENTS, "handling", "220102", "220100", ORG_A, 20 * H, -3 * D, (-28 * H,)),
        Item(EVENTS, "closed", "220200", "220200", ORG_B, None, -5 * D, (-4 * D, -2 * D)),
        Item(EVENTS, "handling", None, None, ORG_B, -2 * H, -40 * D, (-50 * H,)),
        Item(EVENTS, "reported", "220100", "220100", ORG_A, 10 * H, yesterday_0030 - now),
        Item(HAZARDS, "reported", "220200", "220200", ORG_B, -1 * D, -2 * D),
        Item(HAZARDS, "handling", "220200", "220200", ORG_C, -5 * H, -6 * D, (-53 * H,)),
        Item(HAZARDS, "dismissed", "220100", "220100", ORG_A, None, -3 * D, (-2 * D,)),
        Item(HAZARDS, "closed", "220300", "220300", ORG_C, None, -10 * D, (-9 * D, -8 * D)),
        Item(HAZARDS, "handling", "220300", "220300", ORG_C, 30 * H, -4 * D, (-1 * D,)),
    ]


#: The client, the store and the items constructed in it.
Site = tuple[TestClient, Any, list[Item]]
#: The client, the store, the three registered vehicles' plates and when their reports were made.
Fleet = tuple[TestClient, Any, list[str], datetime]


@pytest.fixture
def site(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tiles"))
    store = open_store(store_url)
    registry = LayerRegistry(store)
    registry.register(EVENTS)
    registry.register(HAZARDS)
    now = datetime.now(UTC)
    items = _items(now)
    for layer in (EVENTS, HAZARDS):
        mine = [item for item in items if item.layer is layer]
        insert_items(store, layer, [(item.record(now, 125.0 + i * 0.01), item.history(now))
                                    for i, item in enumerate(mine)])
    users = tmp_path / "users.yaml"
    users.write_text(yaml.safe_dump({"users": {OFFICER: {
        "name": "li.si", "display_name": "李四", "roles": ["safety_officer"], "organisation": ORG_A,
        "region": "220100"}}}, allow_unicode=True), encoding="utf-8")
    settings = Settings(database_url=store_url, admin_token=ADMIN, users_file=users, sweep_seconds=0)
    with TestClient(create_app(settings, store=store), base_url="http://testserver") as client:
        yield client, store, items
    registry.close()
    store.close()


def _get(client: TestClient, path: str, token: str | None = ADMIN, **params: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _as_of(body: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(body["as_of"].replace("Z", "+00:00"))


def _overdue(item: Item, now: datetime, as_of: datetime) -> bool:
    return item.state not in TERMINAL and item.deadline is not None and now + item.deadline < as_of


def _groups(items: list[Item], key: Any, now: datetime, as_of: datetime) -> dict[Any, tuple[int, int, int]]:
    found: dict[Any, list[int]] = {}
    for item in items:
        counts = found.setdefault(key(item), [0, 0, 0])
        counts[0] += 1
        counts[1] += item.state not in TERMINAL
        counts[2] += _overdue(item, now, as_of)
    return {k: tuple(v) for k, v in found.items()}  # type: ignore[misc]


def _table(groups: list[dict[str, Any]]) -> dict[Any, tuple[int, int, int]]:
    return {g["key"]: (g["items"], g["open"], g["overdue"]) for g in groups}


def test_summary_counts_by_domain_state_and_region(site: Site) -> None:
    client, _, items = site
    now = datetime.now(UTC)
    body = _get(client, "/dashboard/api/summary")
    as_of = _as_of(body)
    assert as_of.second == 0 and now - as_of < timedelta(minutes=1, seconds=5)
    assert body["totals"] == {"items": 10, "open": 7, "overdue": 4, "closed": 3}
    assert body["totals"]["overdue"] == sum(_overdue(item, now, as_of) for item in items)
    assert _table(body["by_domain"]) == _groups(items, lambda i: i.layer.domain, now, as_of)
    names = {g["key"]: g["name_zh"] for g in body["by_domain"]}
    assert names == {"expressway": installed_domain("expressway").title_zh,
                     "hazards": installed_domain("hazards").title_zh}
    # states by their Chinese name: both layers' "已上报" (and "不予受理") are one group
    assert _table(body["by_state"]) == _groups(items, lambda i: STATE_ZH[i.layer.id][i.state], now, as_of)
    assert [g["terminal"] for g in body["by_state"]] == sorted(g["terminal"] for g in body["by_state"])
    # regions by prefecture: 220102 (a county of Changchun) counts for 长春市; no adcode is its own group
    assert _table(body["by_region"]) == _groups(items, lambda i: i.prefecture, now, as_of)
    assert {g["key"]: g["name_zh"] for g in body["by_region"]} == {
        key: PREFECTURE_ZH[key] for key in {item.prefecture for item in items}}
    assert sorted(body["collections"]) == sorted([EVENTS.id, HAZARDS.id])


def test_overdue_total_agrees_with_the_supervision_listing(site: Site) -> None:
    client, _, _ = site
    summary = _get(client, "/dashboard/api/summary")
    listed = _get(client, "/supervision/items", overdue="true", limit="1000")
    assert summary["totals"]["overdue"] == listed["numberMatched"]
    assert summary["totals"]["open"] == _get(client, "/supervision/items", limit="1000")["numberMatched"]


def test_callers_see_only_the_layers_they_may_read(site: Site) -> None:
    client, _, items = site
    now = datetime.now(UTC)
    anonymous = _get(client, "/dashboard/api/summary", token=None)
    events = [item for item in items if item.layer is EVENTS]
    assert anonymous["collections"] == [EVENTS.id]
    assert _table(anonymous["by_domain"]) == _groups(events, lambda i: i.layer.domain, now, _as_of(anonymous))
    assert anonymous["caller"]["name"] == "anonymous"
    officer = _get(client, "/dashboard/api/summary", token=OFFICER)
    assert officer["totals"]["items"] == len(items) and officer["caller"]["display_name"] == "李四"
    ranked = _get(client, "/dashboard/api/organisations", token=None)
    assert {row["name"] for row in ranked["organisations"]} == {ORG_A, ORG_B}  # ORG_C holds only hazards


def test_domain_and_region_narrow_every_figure(site: Site) -> None:
    client, _, items = site
    now = datetime.now(UTC)
    jilin = [item for item in items if item.adcode == "220200"]
    body = _get(client, "/dashboard/api/summary", region="220200")
    assert _table(body["by_state"]) == _groups(jilin, lambda i: STATE_ZH[i.layer.id][i.state], now, _as_of(body))
    hazards = [item for item in items if item.layer is HAZARDS]
    body = _get(client, "/dashboard/api/summary", domain="hazards")
    assert body["collections"] == [HAZARDS.id]
    assert _table(body["by_region"]) == _groups(hazards, lambda i: i.prefecture, now, _as_of(body))
    ranked = _get(client, "/dashboard/api/organisations", domain="hazards")
    assert {row["name"]: row["open"] for row in ranked["organisations"]} == {ORG_B: 1, ORG_C: 2}


def test_organisations_ranked_by_overdue_items(site: Site) -> None:
    client, _, _ = site
    body = _get(client, "/dashboard/api/organisations")
    # B holds two overdue items; A and C one each, A with three open items against C's two
    assert [(row["rank"], row["name"], row["overdue"], row["open"]) for row in body["organisations"]] == [
        (1, ORG_B, 2, 2), (2, ORG_A, 1, 3), (3, ORG_C, 1, 2)]
    assert body["totals"] == {"open": 7, "overdue": 4}
    # B's oldest missed deadline: the hazard due a day before now
    assert abs(body["organisations"][0]["max_hours_overdue"] - 24) < 0.1
    assert {d["key"]: d["overdue"] for d in body["organisations"][0]["overdue_by_domain"]} == {
        "expressway": 1, "hazards": 1}
    assert [row["max_hours_overdue"] for row in body["organisations"]][2] == pytest.approx(5, abs=0.1)
    top = _get(client, "/dashboard/api/organisations", limit="1")
    assert (top["numberMatched"], top["numberReturned"], top["organisations"][0]["name"]) == (3, 1, ORG_B)


def test_series_counts_items_created_and_closed_per_china_day(site: Site) -> None:
    client, _, items = site
    now = datetime.now(UTC)
    body = _get(client, "/dashboard/api/series", days="30")
    as_of = _as_of(body)
    last = as_of.astimezone(CHINA).date()
    first = last - timedelta(days=29)
    expected: dict[date, list[int]] = {first + timedelta(days=n): [0, 0] for n in range(30)}
    for item in items:
        for entry in item.history(now):
            day = entry.at.astimezone(CHINA).date()
            if day in expected and entry.at < as_of:
                if entry.from_state is None:
                    expected[day][0] += 1
                elif entry.to_state in TERMINAL:
                    expected[day][1] += 1
    assert (body["from"], body["to"]) == (first.isoformat(), last.isoformat())
    assert [(d["day"], d["created"], d["closed"]) for d in body["series"]] == [
        (day.isoformat(), c, x) for day, (c, x) in expected.items()]
    assert body["totals"] == {"created": 9, "closed": 3}  # the item created 40 days ago is outside
    yesterday = (last - timedelta(days=1)).isoformat()
    assert next(d for d in body["series"] if d["day"] == yesterday)["created"] >= 1  # the 00:30 China-time item
    short = _get(client, "/dashboard/api/series", days="1")
    assert [d["day"] for d in short["series"]] == [last.isoformat()]


def test_a_write_shows_in_the_next_answer(site: Site) -> None:
    client, store, _ = site
    for _ in range(3):  # the same minute and no write: the same answer (unless the minute just turned)
        before, again = _get(client, "/dashboard/api/summary"), _get(client, "/dashboard/api/summary")
        if before["as_of"] == again["as_of"]:
            assert again == before
            break
    now = datetime.now(UTC)
    late = Item(EVENTS, "reported", "220300", "220300", ORG_C, -3 * H, -27 * H)
    insert_items(store, EVENTS, [(late.record(now, 126.0), late.history(now))])
    after = _get(client, "/dashboard/api/summary")
    assert after["totals"]["items"] == before["totals"]["items"] + 1
    assert after["totals"]["overdue"] == before["totals"]["overdue"] + 1
    ranked = _get(client, "/dashboard/api/organisations")
    assert next(row for row in ranked["organisations"] if row["name"] == ORG_C)["overdue"] == 2


@pytest.mark.parametrize(("path", "params", "parameter"), [
    ("/dashboard/api/series", {"days": "0"}, "days"),
    ("/dashboard/api/series", {"days": "abc"}, "days"),
    ("/dashboard/api/series", {"days": "367"}, "days"),
    ("/dashboard/api/organisations", {"limit": "0"}, "limit"),
    ("/dashboard/api/summary", {"region": "22"}, "region"),
    ("/dashboard/api/summary", {"domain": "weather"}, "domain"),
    ("/dashboard/api/summary", {"colour": "red"}, "colour"),
    ("/dashboard/api/vehicles", {"minutes": "-5"}, "minutes"),
])
def test_bad_parameters_are_400_problems(site: Site, path: str,
                                         params: dict[str, str], parameter: str) -> None:
    client, _, _ = site
    response = client.get(path, params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["parameter"] == parameter


def test_an_anonymous_reader_does_not_see_restricted_domains_by_name(site: Site) -> None:
    client, _, _ = site
    response = client.get("/dashboard/api/summary", params={"domain": "hazards"})
    assert response.status_code == 400


# -- vehicles -------------------------------------------------------------------------------------
@pytest.fixture
def fleet(site: Site) -> Fleet:
    client, store, _ = site
    registry = LayerRegistry(store)
    [vehicles] = [layer for layer in installed_domain("road_transport").layers() if layer.id == "rt_dg_vehicles"]
    registry.register(vehicles)
    specs = vehicle_specs()[:3]
    store.insert(vehicles, [FeatureRecord(Point(125.3, 43.8), spec.properties()) for spec in specs])
    plates = [spec.plate for spec in specs]
    now = datetime.now(UTC)
    reports = [  # (plate, offset, lon, lat, speed)
        (plates[0], -60 * 60, 125.10, 43.70, 50.0), (plates[0], -30, 125.20, 43.75, 42.5),
        (plates[1], -3 * 3600, 126.40, 43.80, 60.0), (plates[1], -2 * 3600, 126.50, 43.85, 0.0),
        (plates[2], -30 * 3600, 124.30, 43.10, 30.0),
        ("吉A·X0001", -10, 125.00, 43.00, 20.0),  # not a registered dangerous-goods vehicle
    ]
    position_store(store).write(PositionBatch.of(
        [r[0] for r in reports], [to_ms(now + timedelta(seconds=r[1])) for r in reports], [r[2] for r in reports],
        [r[3] for r in reports], [r[4] for r in reports], [90.0] * len(reports)))
    registry.close()
    return client, store, plates, now


def test_vehicles_latest_position_of_each_registered_vehicle(fleet: Fleet) -> None:
    client, _, plates, now = fleet
    body = _get(client, "/dashboard/api/vehicles", token=None)
    assert body["type"] == "FeatureCollection" and body["registered"] == 3
    found = {f["properties"]["plate"]: f for f in body["features"]}
    assert set(found) == {plates[0], plates[1]}  # the third last reported 30 h ago: outside the 24 h window
    assert found[plates[0]]["geometry"]["coordinates"] == [125.20, 43.75]
    assert found[plates[0]]["properties"]["speed_kmh"] == 42.5 and found[plates[0]]["properties"]["online"] is True
    assert found[plates[1]]["geometry"]["coordinates"] == [126.50, 43.85]
    assert found[plates[1]]["properties"]["online"] is False
    reported = datetime.fromisoformat(found[plates[1]]["properties"]["time"].replace("Z", "+00:00"))
    assert abs((reported - (now - 2 * H)).total_seconds()) < 0.002
    assert (body["numberMatched"], body["online"]) == (2, 1)
    assert found[plates[0]]["properties"]["goods_class_zh"]  # the code list's Chinese label
    wider = _get(client, "/dashboard/api/vehicles", token=None, minutes="2000")
    assert {f["id"] for f in wider["features"]} == set(plates)


def test_a_posted_position_moves_the_vehicle(fleet: Fleet) -> None:
    client, _, plates, _ = fleet
    moment = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    report = [{"plate": plates[1], "time": moment, "lon": 126.61, "lat": 43.91, "speed_kmh": 35, "heading_deg": 10}]
    posted = client.post("/positions", json=report, headers={"Authorization": f"Bearer {ADMIN}"})
    assert posted.status_code == 200 and posted.json()["stored"] == 1
    found = {f["id"]: f for f in _get(client, "/dashboard/api/vehicles", token=None)["features"]}
    assert found[plates[1]]["geometry"]["coordinates"] == [126.61, 43.91]
    assert found[plates[1]]["properties"]["online"] is True


def test_without_the_vehicle_layer_the_fleet_is_empty(site: Site) -> None:
    client, _, _ = site
    body = _get(client, "/dashboard/api/vehicles", token=None)
    assert (body["features"], body["vehicles_layer"], body["numberMatched"]) == ([], None, 0)


def test_the_page_is_served_with_local_libraries(site: Site) -> None:
    client, _, _ = site
    response = client.get("/dashboard")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "指挥中心" in html and "/static/vendor/echarts.min.js" in html and "/static/vendor/maplibre-gl.js" in html
    assert "http://testserver/static/dashboard/main.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    for asset in ("main.js", "api.js", "charts.js", "tables.js", "vehicle_map.js", "dashboard.css"):
        assert client.get(f"/static/dashboard/{asset}").status_code == 200
