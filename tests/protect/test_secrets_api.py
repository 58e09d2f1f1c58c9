"""Secret fields over HTTP, both stores: a caller with the layer's secret and unmask roles writes and reads
the value, one with only the secret role reads it masked, one without never sees it; the plaintext length
rule still applies; missing or wrong keys answer a 409 problem naming the cause, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from gis_server.app import create_app
from gis_server.settings import Settings
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.protect.secret_support import CASES, K1, OTHER_KEY, id_number, no_keys, use_keys

LEAD, REVIEWER, READER = ("lead-token-0123456789abcdef", "reviewer-token-0123456789abcdef",
                          "reader-token-0123456789abcdef")
ITEMS = f"/collections/{CASES.id}/items"
GEOJSON = {"Content-Type": "application/geo+json"}


def _feature(party_id: str | None = None) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [125.32, 43.88]},
            "properties": {"case_no": "ZF0001", "party_id_number": party_id or id_number(1), "fine": 500}}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    use_keys(monkeypatch, k1=K1)
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tile-cache"))
    store = open_store(store_url)
    LayerRegistry(store).register(CASES)
    users = tmp_path / "users.yaml"
    users.write_text(yaml.safe_dump({"users": {
        LEAD: {"name": "zhao.liu", "roles": ["enforcement_lead"]},
        REVIEWER: {"name": "sun.ba", "roles": ["legal_reviewer"]},
        READER: {"name": "qian.qi", "roles": ["inspector"]}}}), encoding="utf-8")
    settings = Settings(database_url=store_url, admin_token="secrets-admin-token", users_file=users, sweep_seconds=0)
    with TestClient(create_app(settings, store=store), base_url="http://testserver") as test_client:
        yield test_client
    store.close()


def test_the_secret_roles_read_the_value_and_no_one_else_sees_it(client: TestClient) -> None:
    created = client.post(ITEMS, json=_feature(), headers={**_auth(LEAD), **GEOJSON})
    assert created.status_code == 201, created.text
    item = created.headers["location"]
    assert client.get(item, headers=_auth(LEAD)).json()["properties"]["party_id_number"] == id_number(1)
    page = client.get(ITEMS, headers=_auth(LEAD)).json()
    assert page["features"][0]["properties"]["party_id_number"] == id_number(1)
    masked = id_number(1)[:6] + "*" * 8 + id_number(1)[-4:]
    assert client.get(item, headers=_auth(REVIEWER)).json()["properties"]["party_id_number"] == masked
    assert client.get(ITEMS, headers=_auth(REVIEWER)).json()["features"][0]["properties"]["party_id_number"] == masked
    assert "party_id_number" not in client.get(item, headers=_auth(READER)).json()["properties"]
    assert "party_id_number" not in client.get(ITEMS, headers=_auth(READER)).json()["features"][0]["properties"]


def test_the_length_rule_holds_for_the_plaintext(client: TestClient) -> None:
    too_long = client.post(ITEMS, json=_feature("2" * 19), headers={**_auth(LEAD), **GEOJSON})
    assert too_long.status_code == 400
    assert too_long.json()["field"] == "party_id_number"


def test_missing_or_wrong_keys_answer_a_problem_not_a_crash(client: TestClient, store_url: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    created = client.post(ITEMS, json=_feature(), headers={**_auth(LEAD), **GEOJSON})
    use_keys(monkeypatch, k1=OTHER_KEY)
    wrong = client.get(created.headers["location"], headers=_auth(LEAD))
    assert wrong.status_code == 409 and wrong.headers["content-type"] == "application/problem+json"
    assert "加密字段校验失败" in wrong.json()["detail"]
    if not store_url.startswith("postgresql"):
        return  # an embedded store falls back to its local key
    no_keys(monkeypatch)
    refused = client.post(ITEMS, json=_feature(), headers={**_auth(LEAD), **GEOJSON})
    assert refused.status_code == 409, refused.text
    assert refused.json()["title"] == "未配置 SM4 密钥，不能读写加密字段 / SM4 keys not configured"
    assert "ONEMAP_SM4_KEYS" in refused.json()["detail"]
