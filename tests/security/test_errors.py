"""No stack traces: an unexpected exception — in a route, or in the store under a fast path — answers
500 problem+json with a generic Chinese-first detail and an error id; the log has the id with the
traceback, the response has neither the traceback nor the exception's message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gis_server.app import create_app
from gis_server.settings import Settings
from tests.security.conftest import TOKEN
from tests.security.pages import assert_secured

SECRET_MESSAGE = "password=hunter2 at /srv/onemap/secret.py"


def _assert_generic_500(response: Any, caplog: pytest.LogCaptureFixture) -> None:
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert_secured(response)
    body = response.json()
    assert body["title"].startswith("服务器内部错误")
    error_id = body["error_id"]
    assert error_id in body["detail"]
    text = response.text
    assert "Traceback" not in text and "hunter2" not in text and "RuntimeError" not in text
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert SECRET_MESSAGE in str(logged[0].exc_info[1])


@pytest.fixture
def raising_client(security_store: Any, store_url: str) -> Iterator[TestClient]:
    """The app with one extra route that fails, served the way a server would be (the TestClient
    would re-raise any exception the app let escape, so this also proves none does)."""
    app = create_app(Settings(database_url=store_url, admin_token=TOKEN, rate_limit=None), store=security_store)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(SECRET_MESSAGE)

    with TestClient(app) as client:
        yield client


def test_a_failing_route_answers_a_generic_500(raising_client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("ERROR", logger="onemap"):
        _assert_generic_500(raising_client.get("/boom"), caplog)


def test_a_failing_store_under_the_fast_path_answers_a_generic_500(
        raising_client: TestClient, security_store: Any, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(SECRET_MESSAGE)

    monkeypatch.setattr(security_store, "query", failing)
    with caplog.at_level("ERROR", logger="onemap"):
        _assert_generic_500(raising_client.get("/collections/roads/items", params={"limit": 3}), caplog)


def test_two_failures_get_two_error_ids(raising_client: TestClient) -> None:
    ids = {raising_client.get("/boom").json()["error_id"] for _ in range(2)}
    assert len(ids) == 2
