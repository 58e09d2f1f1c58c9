"""Request-size and rate limits: bodies over the limit get 413 problem+json whether the size is
declared or only found while streaming (and nothing is written), `/packages/sync` takes the larger
upload limit, and a caller over its rate gets 429 with `Retry-After`, then recovers."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from gis_server.hardening.rate_limit import RateLimiter
from gis_server.settings import RateLimit, parse_cors_origins, parse_rate_limit
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.live_server import start_server, stop_server
from tests.sample_layers import ROADS
from tests.security.conftest import AUTH, TOKEN, MakeClient

REPO = Path(__file__).resolve().parents[2]
GEOJSON = {"Content-Type": "application/geo+json"}


def _feature(name: str) -> dict[str, object]:
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[126.5, 43.8], [126.6, 43.85]]},
            "properties": {"name": name, "road_class": "national"}}


def _padded(size: int) -> bytes:
    """A valid feature whose JSON is `size` bytes long (padding after it is whitespace)."""
    body = orjson.dumps(_feature("超大"))
    return body + b" " * (size - len(body))


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def _road_count(client: TestClient) -> int:
    return client.get("/collections/roads/items", params={"limit": 1}).json()["numberMatched"]


def test_a_declared_body_over_the_limit_is_refused_before_the_app(make_client: MakeClient) -> None:
    with make_client(max_body_bytes=2000) as client:
        before = _road_count(client)
        fits = client.post("/collections/roads/items", content=_padded(1900), headers={**AUTH, **GEOJSON})
        assert fits.status_code == 201, fits.text
        body = _problem(client.post("/collections/roads/items", content=_padded(5000), headers={**AUTH, **GEOJSON}),
                        413)
        assert body["limit_bytes"] == 2000
        assert "MB" in str(body["detail"])
        assert _road_count(client) == before + 1


def test_a_streamed_body_over_the_limit_is_refused(make_client: MakeClient) -> None:
    """No Content-Length (a generator body is sent chunked): the middleware counts what the app reads."""
    with make_client(max_body_bytes=2000) as client:
        before = _road_count(client)

        def chunks() -> Iterator[bytes]:
            yield _padded(5000)

        response = client.post("/collections/roads/items", content=chunks(), headers={**AUTH, **GEOJSON})
        _problem(response, 413)
        assert _road_count(client) == before


def test_the_sync_upload_takes_its_own_larger_limit(make_client: MakeClient) -> None:
    with make_client(max_body_bytes=1000, max_upload_bytes=50_000) as client:
        # over the general limit but under the upload limit: the route answers (a bad package → 400)
        answered = client.post("/packages/sync", content=b"x" * 5000, headers=AUTH)
        assert answered.status_code == 400, answered.text
        _problem(client.post("/packages/sync", content=b"x" * 60_000, headers=AUTH), 413)
        _problem(client.post("/collections/roads/items", content=_padded(5000), headers={**AUTH, **GEOJSON}), 413)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """A real uvicorn server (the body arrives in chunks over HTTP), GeoPackage, 0.01 MB body limit."""
    url = f"geopackage://{tmp_path / 'onemap.gpkg'}"
    store = open_store(url)
    LayerRegistry(store).register(ROADS)
    store.close()
    env = {**os.environ, "ONEMAP_DATABASE_URL": url, "ONEMAP_ADMIN_TOKEN": TOKEN, "ONEMAP_MAX_BODY_MB": "0.01",
           "ONEMAP_RATE_LIMIT": "0", "ONEMAP_TILE_CACHE_DIR": str(tmp_path / "tiles")}
    proc, base = start_server(lambda port: [sys.executable, "-m", "uvicorn", "gis_server.asgi:app", "--port",
                                            str(port), "--no-access-log"], env, tmp_path, cwd=REPO)
    try:
        yield base
    finally:
        stop_server(proc)


def test_a_chunked_upload_to_a_real_server_stops_at_the_limit(live_server: str) -> None:
    limit = int(0.01 * 1024 * 1024)

    def chunks() -> Iterator[bytes]:
        body = _padded(limit * 4)
        for start in range(0, len(body), 1024):
            yield body[start:start + 1024]

    with httpx.Client(base_url=live_server, timeout=30) as http:
        response = http.post("/collections/roads/items", content=chunks(), headers={**AUTH, **GEOJSON})
        _problem(response, 413)
        assert http.get("/collections/roads/items").json()["numberMatched"] == 0
        declared = http.post("/collections/roads/items", content=_padded(limit * 4), headers={**AUTH, **GEOJSON})
        _problem(declared, 413)
        small = http.post("/collections/roads/items", content=orjson.dumps(_feature("小")),
                          headers={**AUTH, **GEOJSON})
        assert small.status_code == 201, small.text
        assert http.get("/collections/roads/items").json()["numberMatched"] == 1


def test_a_caller_over_its_rate_gets_429_then_recovers(make_client: MakeClient) -> None:
    with make_client(rate_limit=RateLimit(3, 1.0)) as client:
        assert [client.get("/collections").status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get("/collections")
        body = _problem(refused, 429)
        wait = int(refused.headers["retry-after"])
        assert wait == 1  # a token comes back every 1/3 s
        assert str(wait) in str(body["detail"])
        assert refused.headers["x-content-type-options"] == "nosniff"
        # another identity (a bearer token) has its own bucket
        assert client.get("/collections", headers=AUTH).status_code == 200
        # fast-path answers count too
        assert client.get("/collections/roads/items").status_code == 429
        time.sleep(wait)
        assert client.get("/collections").status_code == 200


def test_made_up_tokens_do_not_escape_the_limit(make_client: MakeClient) -> None:
    """A new random token per request would be a new caller each time: refused tokens are counted
    against the address they come from, while a valid token from there still gets through."""
    with make_client(rate_limit=RateLimit(3, 10.0)) as client:
        statuses = [client.get("/collections", headers={"Authorization": f"Bearer made-up-{i}-0123456789"}
                               ).status_code for i in range(5)]
        assert statuses[:3] == [401, 401, 401] and statuses[3:] == [429, 429]
        assert client.get("/collections", headers=AUTH).status_code == 200
        assert client.get("/collections").status_code == 200  # anonymous requests have their own bucket


def test_buckets_refill_and_memory_stays_bounded() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimit(2, 10.0), clock=lambda: now[0], max_identities=4)
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(5.0)  # one token every 5 s
    now[0] = 5.0
    assert limiter.take("a") == 0.0
    for caller in ("b", "c", "d"):
        limiter.take(caller)
    now[0] = 100.0  # everyone has refilled: a new caller makes room by forgetting them
    assert limiter.take("e") == 0.0
    assert len(limiter._buckets) == 1
    for caller in ("f", "g", "h", "i", "j"):  # all busy at once: the oldest half goes
        limiter.take(caller)
    assert len(limiter._buckets) <= 4


def test_the_rate_limit_setting() -> None:
    assert parse_rate_limit("600/minute") == RateLimit(600, 60.0)
    assert parse_rate_limit("5/s") == RateLimit(5, 1.0)
    assert parse_rate_limit("10000/day") == RateLimit(10000, 86400.0)
    assert parse_rate_limit("0") is None
    for wrong in ("600", "many/minute", "600/fortnight", "-1/minute"):
        with pytest.raises(ValueError, match="ONEMAP_RATE_LIMIT"):
            parse_rate_limit(wrong)


def test_the_cors_origins_setting() -> None:
    assert parse_cors_origins("*") == ("*",)
    assert parse_cors_origins("") == ("*",)
    assert parse_cors_origins("https://a.example/, http://b.example:8080") == ("https://a.example",
                                                                               "http://b.example:8080")
    for wrong in ("a.example", "ftp://a.example", "https://a.example/path"):
        with pytest.raises(ValueError, match="ONEMAP_CORS_ORIGINS"):
            parse_cors_origins(wrong)
