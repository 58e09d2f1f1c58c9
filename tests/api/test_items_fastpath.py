"""The items fast path answers exactly what the route answers — same status, headers and features —
and leaves to the app whatever it does not take (HTML, errors, refused callers)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from starlette.types import Scope

from gis_server.app import create_app
from gis_server.items_fastpath import ItemsFastPath
from gis_server.settings import Settings
from tests.api.conftest import ADMIN_TOKEN

URL = "/collections/roads/items"

QUERIES: list[dict[str, str]] = [
    {},
    {"limit": "3"},
    {"limit": "3", "offset": "4"},
    {"bbox": "125.1,43.7,125.5,44.0", "limit": "5"},
    {"bbox": "125.1,43.7,125.5,44.0", "crs": "http://www.opengis.net/def/crs/EPSG/0/3857"},
    {"crs": "http://www.opengis.net/def/crs/EPSG/0/4490", "limit": "2"},
    {"filter": "lanes > 3", "limit": "4"},
    {"route_code": "G102", "f": "json"},
    {"datetime": "2024-05-03T00:00:00Z/..", "limit": "2"},
]
HEADERS: list[dict[str, str]] = [
    {"Accept-Encoding": "gzip"},
    {"Accept-Encoding": "identity"},
    {"Accept-Encoding": "gzip", "Origin": "http://example.org"},
]


@pytest.fixture
def route_client(api_store: object, store_url: str) -> Iterator[TestClient]:
    """The same app with the fast path taken out: every page goes through the route."""
    app = create_app(Settings(database_url=store_url, admin_token=ADMIN_TOKEN), store=api_store)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not ItemsFastPath]
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


def _answer(client: TestClient, params: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
    response = client.get(URL, params=params, headers=headers)
    kept = {k: v for k, v in response.headers.items() if k not in ("date", "content-length")}
    body = orjson.loads(response.content)  # httpx has undone the gzip
    body.pop("timeStamp", None)
    return response.status_code, kept, body


@pytest.mark.parametrize("params", QUERIES)
@pytest.mark.parametrize("headers", HEADERS)
def test_fast_path_and_route_answer_alike(client: TestClient, route_client: TestClient, params: dict[str, str],
                                          headers: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    answered: list[str] = []
    real = ItemsFastPath._answer

    async def spy(self: ItemsFastPath, scope: Scope, layer_id: str) -> Any:
        reply = await real(self, scope, layer_id)
        answered.append("fast" if reply is not None else "app")
        return reply

    monkeypatch.setattr(ItemsFastPath, "_answer", spy)
    fast = _answer(client, params, headers)
    assert answered == ["fast"]
    assert fast[0] == 200 and fast[2]["features"]
    assert _answer(route_client, params, headers) == fast


def test_compressed_page_is_gzip_when_asked(client: TestClient) -> None:
    raw = client.get(URL, headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    # httpx decoded it; the bytes on the wire were a gzip member of the announced length
    stream = client.stream("GET", URL, headers={"Accept-Encoding": "gzip"})
    with stream as response:
        wire = b"".join(response.iter_raw())
    assert int(response.headers["content-length"]) == len(wire)
    assert orjson.loads(gzip.decompress(wire))["numberReturned"] == raw.json()["numberReturned"]


@pytest.mark.parametrize(("params", "headers", "status"), [
    ({"bbox": "1,2,3"}, {}, 400),
    ({"nonsense": "1"}, {}, 400),
    ({"f": "xml"}, {}, 400),
    ({}, {"Authorization": "Bearer wrong"}, 401),
])
def test_what_the_fast_path_does_not_take_the_app_answers(client: TestClient, params: dict[str, str],
                                                         headers: dict[str, str], status: int) -> None:
    response = client.get(URL, params=params, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_html_pages_still_come_from_the_route(client: TestClient) -> None:
    response = client.get(URL, params={"f": "html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
