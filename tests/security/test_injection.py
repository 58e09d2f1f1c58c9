"""The injection corpus (`injection_corpus.py`) against the app on both stores: every SQL attempt gets
a 4xx or an inert answer, no traversal serves anything, nothing answers 5xx or shows the private
layer, the data are intact afterwards, and scripts stored in text fields come back as text."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient
from markupsafe import escape

from tests.security.conftest import AUTH
from tests.security.injection_corpus import FILE_MARKERS, SCRIPTS, SECRET_VALUE, SQL_CASES, TRAVERSAL_CASES, Case
from tests.security.pages import inline_code

GEOJSON = {"Content-Type": "application/geo+json"}


def _snapshot(client: TestClient) -> tuple[list[Any], list[Any]]:
    roads = client.get("/collections/roads/items", params={"limit": 1000}).json()["features"]
    secret = client.get("/collections/secret_sites/items", headers=AUTH).json()["features"]
    return sorted(f["id"] for f in roads), [f["properties"] for f in secret]


def _shown(response: httpx.Response, case: Case) -> str:
    """What the answer shows beyond the request itself (a search echoes its `q` back as `query`)."""
    if case.path == "/search" and response.status_code == 200:
        return response.text.replace(response.json()["query"], "")
    return response.text


def _failure(case: Case, response: httpx.Response, road_ids: list[Any]) -> str | None:
    """Why the answer to `case` is not acceptable, or None when it is."""
    status = response.status_code
    if status >= 500:
        return f"{status}: {response.text[:200]}"
    if SECRET_VALUE in _shown(response, case):
        return "shows the private layer's data"
    if case.refuse and not 400 <= status < 500:
        return f"expected a 4xx, got {status}"
    if status >= 400:
        if not response.headers.get("content-type", "").startswith("application/problem+json"):
            return f"{status} without problem+json"
        return None
    if response.headers.get("content-type", "").startswith(("application/geo+json", "application/json")):
        body = response.json()
        if isinstance(body, dict) and "results" in body and case.matches is not None \
                and len(body["results"]) != case.matches:
            return f"expected {case.matches} results, got {len(body['results'])}"
        features = body.get("features") if isinstance(body, dict) else None
        if features is not None:
            if any(f["id"] not in road_ids for f in features):
                return "returned features that are not roads"
            if case.matches is not None and len(features) != case.matches:
                return f"expected {case.matches} features, got {len(features)}"
    return None


def _run(client: TestClient, cases: tuple[Case, ...]) -> list[str]:
    road_ids, _ = _snapshot(client)
    failures = []
    for case in cases:
        response = client.get(case.path, params=case.params)
        reason = _failure(case, response, road_ids)
        if reason is None and case.refuse and any(marker in response.text for marker in FILE_MARKERS):
            reason = "the answer holds a file's content"
        if reason is not None:
            failures.append(f"{case.name} ({case.path} {case.params}): {reason}")
    return failures


def test_sql_through_every_input_is_refused_or_inert(client: TestClient) -> None:
    before = _snapshot(client)
    assert before[1] and before[1][0]["name"] == SECRET_VALUE  # the private layer is there to leak
    assert _run(client, SQL_CASES) == []
    assert _snapshot(client) == before  # no statement ran: every table and row is still there
    assert client.get("/collections/roads/items").status_code == 200


def test_path_traversal_serves_nothing(client: TestClient) -> None:
    assert _run(client, TRAVERSAL_CASES) == []


def test_scripts_in_text_fields_are_shown_as_text(client: TestClient) -> None:
    for script in SCRIPTS:
        feature = {"type": "Feature", "properties": {"name": script, "road_class": "national"},
                   "geometry": {"type": "LineString", "coordinates": [[126.5, 43.8], [126.6, 43.85]]}}
        created = client.post("/collections/roads/items", json=feature, headers={**AUTH, **GEOJSON})
        assert created.status_code == 201, created.text
        location = created.headers["location"]
        assert client.get(location).json()["properties"]["name"] == script  # the data are kept as given
        for page in (client.get(location, params={"f": "html"}),
                     client.get("/collections/roads/items", params={"f": "html", "limit": 1000})):
            assert page.status_code == 200
            assert inline_code(page.text) == [], script  # no script element, handler or javascript: link
            assert str(escape(script)) in page.text  # shown, as text
