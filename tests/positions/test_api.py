"""`POST /positions` and `GET /positions/{plate}` over each store: counts and per-row rejects, CSV,
idempotent re-sends, alerts from the rules, problems for unreadable bodies and missing rights."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from domains.road_transport.positions.batch import CST
from gis_server.app import create_app
from gis_server.settings import Settings
from tests.positions.support import DG_PLATE, EXPRESSWAY_LAT, features

TOKEN = "positions-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
START = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)


@pytest.fixture
def client(rt, store_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=store_url, admin_token=TOKEN)
    with TestClient(create_app(settings, store=rt.store), base_url="http://testserver") as test_client:
        yield test_client


def report(i: int, speed: float = 60.0, **changes: object) -> dict:
    """The i-th report of the vehicle, every 30 s eastwards along the test expressway."""
    moment = (START + timedelta(seconds=30 * i)).astimezone(CST)
    out = {"plate": DG_PLATE, "time": moment.isoformat(), "lon": round(125.1 + i * 0.002, 6),
           "lat": EXPRESSWAY_LAT, "speed_kmh": speed, "heading_deg": 90}
    out.update(changes)
    return out


def test_a_batch_stores_good_rows_and_reports_each_bad_one(client: TestClient) -> None:
    body = [report(0), report(1, plate="吉A·"), report(2), report(3, lon=190), report(4, time="2024-05-01T08:00:00")]
    response = client.post("/positions", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    result = response.json()
    assert {k: result[k] for k in ("received", "accepted", "stored", "duplicates", "rejected")} == {
        "received": 5, "accepted": 2, "stored": 2, "duplicates": 0, "rejected": 3}
    assert [(r["index"], r["field"]) for r in result["rejects"]] == [(1, "plate"), (3, "lon"), (4, "time")]
    track = client.get(f"/positions/{DG_PLATE}", params={"start": START.isoformat(),
                                                         "end": (START + timedelta(minutes=5)).isoformat()})
    assert track.status_code == 200
    feature = track.json()
    assert feature["properties"]["count"] == 2
    assert feature["geometry"]["coordinates"] == [[125.1, EXPRESSWAY_LAT], [125.104, EXPRESSWAY_LAT]]


def test_resending_a_batch_stores_nothing_twice_and_raises_no_second_alert(client: TestClient, rt) -> None:
    body = [report(i, speed=95.0) for i in range(6)]  # 2.5 minutes at 95 km/h: over the 80 km/h cap
    first = client.post("/positions", json=body, headers=AUTH).json()
    again = client.post("/positions", json=body, headers=AUTH).json()
    assert (first["stored"], again["stored"], again["duplicates"]) == (6, 0, 6)
    assert first["written"] == {"rt_alerts": 1}
    alerts = features(rt, "rt_alerts")
    assert len(alerts) == 1
    assert alerts[0]["properties"]["kind"] == "speeding" and alerts[0]["properties"]["limit_kmh"] == 80


def test_csv_batches_are_read_like_json(client: TestClient) -> None:
    rows = [report(0), report(1, lat=91)]
    text = "plate,time,lon,lat,speed_kmh,heading_deg\n" + "".join(
        f"{r['plate']},{r['time']},{r['lon']},{r['lat']},{r['speed_kmh']},{r['heading_deg']}\n" for r in rows)
    response = client.post("/positions", content=text.encode("gbk"), headers={**AUTH,
                                                                              "Content-Type": "text/csv; charset=gbk"})
    assert response.status_code == 200, response.text
    assert (response.json()["stored"], [(r["index"], r["field"]) for r in response.json()["rejects"]]) == (
        1, [(1, "lat")])


@pytest.mark.parametrize(("content", "media", "status"), [
    (b"[{\"plate\": ", "application/json", 400),
    (b"{\"plate\": \"x\"}", "application/json", 400),
    (b"plate,time\n", "text/csv", 400),
    (b"[]", "text/plain", 415),
])
def test_unreadable_bodies_are_problems(client: TestClient, content: bytes, media: str, status: int) -> None:
    response = client.post("/positions", content=content, headers={**AUTH, "Content-Type": media})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status


def test_posting_needs_a_reporter(client: TestClient) -> None:
    assert client.post("/positions", json=[report(0)]).status_code == 401
    assert client.post("/positions", json=[report(0)], headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_track_parameters_are_checked(client: TestClient) -> None:
    assert client.get("/positions/not-a-plate").status_code == 400
    assert client.get(f"/positions/{DG_PLATE}", params={"start": "yesterday"}).status_code == 400
    assert client.get(f"/positions/{DG_PLATE}", params={"bbox": "1,2,3,4"}).status_code == 400
    far = {"start": "2024-05-01T00:00:00+08:00", "end": "2024-05-05T00:00:00+08:00"}
    assert client.get(f"/positions/{DG_PLATE}", params=far).status_code == 400
