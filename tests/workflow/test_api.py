"""The workflow over HTTP on both stores: users-file callers, creation through Part 4, transitions
with their problem+json refusals, If-Match, attachments, history, and Part 4 writes kept off the
supervision fields."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from tests.workflow.support import ADMIN_TOKEN, GEOJSON, HAZARDS, LEAD, OFFICER, REPORTER, STRANGER, auth

ITEMS = f"/collections/{HAZARDS.id}/items"
PROBLEM = "application/problem+json"
NEW = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [125.33, 43.89]},
       "properties": {"name": "路面塌陷"}}


def _create(client: TestClient) -> str:
    response = client.post(ITEMS, json=NEW, headers={**auth(REPORTER), **GEOJSON})
    assert response.status_code == 201, response.text
    return response.headers["location"].removeprefix("http://testserver")


def _act(client: TestClient, item: str, actor: Any, body: dict[str, Any], **headers: str) -> Any:
    return client.post(f"{item}/workflow", json=body, headers={**auth(actor), **headers})


def test_creation_through_part4_starts_the_workflow_for_the_caller(client: TestClient) -> None:
    item = _create(client)
    props = client.get(item).json()["properties"]
    assert props["workflow_state"] == "reported"
    assert (props["holder"], props["holder_org"], props["adcode"]) == ("wang.wu", "长春市公路养护中心", "220100")
    assert props["overdue"] is False and props["deadline"] is not None
    history = client.get(f"{item}/workflow/history").json()["history"]
    assert [(s["from"], s["to"]["id"], s["actor"]) for s in history] == [(None, "reported", "wang.wu")]


def test_creation_is_refused_to_the_anonymous_non_creators_and_other_states(client: TestClient) -> None:
    assert client.post(ITEMS, json=NEW, headers=GEOJSON).status_code == 401
    assert client.post(ITEMS, json=NEW, headers={**auth(OFFICER), **GEOJSON}).status_code == 403
    closed = {**NEW, "properties": {**NEW["properties"], "workflow_state": "closed"}}
    response = client.post(ITEMS, json=closed, headers={**auth(REPORTER), **GEOJSON})
    assert response.status_code == 409 and response.headers["content-type"] == PROBLEM
    assert client.get(ITEMS).json()["numberMatched"] == 0


def test_users_file_roles_decide_what_each_caller_may_do(client: TestClient) -> None:
    item = _create(client)
    offered = {actor.name: [t["id"] for t in client.get(f"{item}/workflow", headers=auth(actor)).json()["transitions"]]
               for actor in (REPORTER, OFFICER, LEAD, STRANGER)}
    assert offered == {"wang.wu": [], "li.si": ["assess", "dismiss"], "zhao.liu": [], "qian.qi": []}
    view = client.get(f"{item}/workflow", headers=auth(OFFICER)).json()
    assess = view["transitions"][0]
    assert assess["requires"] == [{"kind": "field", "name": "grade", "title_zh": "隐患等级", "present": False}]
    assert view["state"] == {"id": "reported", "name_zh": "已上报", "name_en": "Reported", "terminal": False}
    assert client.get(f"{item}/workflow").json()["transitions"] == []  # anonymous callers read, and may do nothing
    admin = client.get(f"{item}/workflow", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    assert [t["id"] for t in admin["transitions"]] == ["assess", "dismiss"]
    wrong = client.get(f"{item}/workflow", headers={"Authorization": "Bearer not-a-known-token-at-all"})
    assert wrong.status_code == 401


def test_each_refusal_is_problem_json_listing_what_is_allowed_or_missing(client: TestClient) -> None:
    item = _create(client)
    etag = client.get(item).headers["etag"]
    response = _act(client, item, LEAD, {"transition": "close"})
    assert response.status_code == 409 and response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert [t["id"] for t in problem["allowed"]] == ["assess", "dismiss"]
    assert problem["current_state"] == "reported"
    response = _act(client, item, REPORTER, {"transition": "assess", "values": {"grade": "major"}})
    assert response.status_code == 403 and response.json()["allowed"] == []
    response = _act(client, item, OFFICER, {"transition": "assess"})
    assert response.status_code == 400
    assert [(m["kind"], m["name"]) for m in response.json()["missing"]] == [("field", "grade")]
    response = _act(client, item, OFFICER, {"transition": "dismiss"})
    assert response.status_code == 400 and [m["name"] for m in response.json()["missing"]] == ["comment"]
    assert client.post(f"{item}/workflow", json={"transition": "assess"}).status_code == 401
    # nothing of this changed the item
    assert client.get(item).headers["etag"] == etag


def test_a_transition_with_if_match_and_a_stale_one(client: TestClient) -> None:
    item = _create(client)
    etag = client.get(item).headers["etag"]
    response = _act(client, item, OFFICER, {"transition": "assess", "values": {"grade": "major"},
                                            "comment": "路面塌陷面积约 2 平方米"}, **{"If-Match": etag})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"]["id"] == "assessed" and body["holder"] == "li.si" and body["holder_org"] == "长春市交通运输局"
    assert response.headers["etag"] == client.get(item).headers["etag"] != etag
    stale = _act(client, item, OFFICER, {"transition": "assign", "values": {"rectify_by": "2024-06-01",
                                                                            "responsible_unit": "x"}},
                 **{"If-Match": etag})
    assert stale.status_code == 412
    assert client.get(item).json()["properties"]["workflow_state"] == "assessed"


def test_the_whole_path_with_an_attachment_over_http(client: TestClient) -> None:
    item = _create(client)
    assert _act(client, item, OFFICER, {"transition": "assess", "values": {"grade": "general"}}).status_code == 200
    assign = {"transition": "assign", "values": {"rectify_by": "2031-06-01", "responsible_unit": "长春公路管理处"}}
    assert _act(client, item, OFFICER, assign).status_code == 200
    missing = _act(client, item, OFFICER, {"transition": "verify"})
    assert missing.status_code == 400 and missing.json()["missing"][0]["name"] == "rectify_photo"
    photo = b"\xff\xd8\xff\xe0 a tiny jpeg"
    uploaded = client.post(f"{item}/attachments", params={"name": "rectify_photo", "filename": "整改后.jpg"},
                           content=photo, headers={**auth(OFFICER), "Content-Type": "image/jpeg"})
    assert uploaded.status_code == 201, uploaded.text
    ident = uploaded.json()["id"]
    assert client.post(f"{item}/attachments", params={"name": "x"}, content=b"1",
                       headers=auth(STRANGER)).status_code == 403
    download = client.get(uploaded.headers["location"].removeprefix("http://testserver"))
    assert download.content == photo and download.headers["content-type"] == "image/jpeg"
    assert _act(client, item, OFFICER, {"transition": "verify", "attachments": [ident]}).status_code == 200
    assert _act(client, item, LEAD, {"transition": "close"}).json()["state"]["id"] == "closed"
    history = client.get(f"{item}/workflow/history").json()["history"]
    assert [(s["transition"] or {}).get("id") for s in history] == [None, "assess", "assign", "verify", "close"]
    assert history[3]["values"] == {"_attachments": [ident]}
    assert history[4]["from"] == {"id": "verified", "name_zh": "已验收"}
    assert history[4]["geometry"] == {"type": "Point", "coordinates": [125.33, 43.89]}
    assert client.get(f"{item}/workflow", headers=auth(LEAD)).json()["transitions"] == []


def test_part4_writes_may_not_touch_the_supervision_fields(client: TestClient) -> None:
    item = _create(client)
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    patch = client.patch(item, json={"properties": {"workflow_state": "closed"}},
                         headers={**admin, "Content-Type": "application/merge-patch+json"})
    assert patch.status_code == 409 and "/workflow" in patch.json()["detail"]
    assert patch.json()["fields"] == ["workflow_state"]
    renamed = client.patch(item, json={"properties": {"name": "路面塌陷（已核实）"}},
                           headers={**admin, "Content-Type": "application/merge-patch+json"})
    assert renamed.status_code == 204
    # a replacement that leaves the supervision fields out keeps them
    replaced = client.put(item, json={**NEW, "properties": {"name": "路面沉陷"}}, headers={**admin, **GEOJSON})
    assert replaced.status_code == 204, replaced.text
    props = client.get(item).json()["properties"]
    assert (props["name"], props["workflow_state"], props["holder"]) == ("路面沉陷", "reported", "wang.wu")
    moved = client.put(item, json={**NEW, "properties": {"name": "x", "holder": "someone.else"}},
                       headers={**admin, **GEOJSON})
    assert moved.status_code == 409
    assert client.get(item).json()["properties"]["holder"] == "wang.wu"


def test_the_api_document_describes_the_workflow_paths(client: TestClient) -> None:
    paths = client.get("/api", params={"f": "json"}).json()["paths"]
    assert "post" in paths[f"{ITEMS}/{{featureId}}/workflow"]
    assert f"{ITEMS}/{{featureId}}/workflow/history" in paths
    assert {"/supervision/statistics", "/supervision/items"} <= set(paths)


def test_racing_requests_over_http_have_one_winner(client: TestClient) -> None:
    """Eight callers press the same button at once: one 200, seven 409 naming the state it is in now."""
    item = _create(client)
    body = {"transition": "assess", "values": {"grade": "major"}}
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: _act(client, item, OFFICER, body), range(8)))
    assert sorted(r.status_code for r in responses) == [200] + [409] * 7
    assert {r.json()["current_state"] for r in responses if r.status_code == 409} == {"assessed"}
    history = client.get(f"{item}/workflow/history").json()["history"]
    assert [s["to"]["id"] for s in history] == ["reported", "assessed"]
