"""API keys reach only the layers their scopes name, for what the scope says (read or write)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.access.support import ADMIN, caller_headers

GEOJSON = {"Content-Type": "application/geo+json"}


def _key(client: TestClient, scopes: list[str], **extra: Any) -> dict[str, str]:
    created = client.post("/admin/identity/keys", json={"name": "省际交换", "scopes": scopes, **extra},
                          headers=caller_headers(ADMIN))
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['key']}"}


def test_a_read_key_reads_its_layers_only(client: TestClient) -> None:
    key = _key(client, ["acc_notices:read", "acc_cases:read"], roles=["inspector"])
    assert client.get("/collections/acc_notices/items?f=json", headers=key).status_code == 200
    assert client.get("/collections/acc_cases/items?f=json", headers=key).status_code == 200
    assert client.get("/collections/acc_open/items?f=json", headers=key).status_code == 403
    listed = {c["id"] for c in client.get("/collections?f=json", headers=key).json()["collections"]}
    assert listed == {"acc_notices", "acc_cases"}
    tile = client.get("/tiles/WebMercatorQuad/7/46/108?collections=acc_open", headers=key)
    assert tile.status_code == 403
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [125.3, 43.9]},
            "properties": {"title": "密钥写入", "adcode": "220100"}}
    written = client.post("/collections/acc_cases/items", json=body, headers={**key, **GEOJSON})
    assert written.status_code == 403  # the roles may write, the key may only read


def test_a_write_key_writes_within_its_roles_and_region(client: TestClient) -> None:
    key = _key(client, ["acc_cases:write"], roles=["inspector"], region="220100")
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [125.3, 43.9]},
            "properties": {"title": "密钥写入", "adcode": "220100"}}
    assert client.post("/collections/acc_cases/items", json=body, headers={**key, **GEOJSON}).status_code == 201
    elsewhere = {**body, "properties": {"title": "外地", "adcode": "220200"}}
    assert client.post("/collections/acc_cases/items", json=elsewhere, headers={**key, **GEOJSON}).status_code == 403
    seen = {f["properties"]["adcode"] for f in
            client.get("/collections/acc_cases/items?f=json", headers=key).json()["features"]}
    assert seen == {"220100"}


def test_a_revoked_key_is_refused(client: TestClient) -> None:
    created = client.post("/admin/identity/keys", json={"name": "临时", "scopes": ["acc_notices:read"]},
                          headers=caller_headers(ADMIN)).json()
    key = {"Authorization": f"Bearer {created['key']}"}
    assert client.get("/collections/acc_notices/items?f=json", headers=key).status_code == 200
    assert client.delete(f"/admin/identity/keys/{created['id']}", headers=caller_headers(ADMIN)).status_code == 200
    assert client.get("/collections/acc_notices/items?f=json", headers=key).status_code == 401
