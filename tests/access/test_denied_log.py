"""Every refused request leaves one line on the denied-request log: who, what, why, from where."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from tests.access.support import OUTSIDER, SUPERVISOR_JL, caller_headers


def _denials(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(record.getMessage().removeprefix("denied "))
            for record in caplog.records if record.name == "onemap.security.denied"]


def test_refusals_are_logged_with_who_what_and_why(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="onemap.security.denied")
    assert client.get("/collections/acc_cases/items?f=json", headers=caller_headers(OUTSIDER)).status_code == 403
    assert client.get("/collections/acc_cases/items?f=json").status_code == 401
    found = _denials(caplog)
    assert found[0] == {**found[0], "who": "outsider", "method": "users_file", "region": "220100",
                        "what": "GET /collections/acc_cases/items", "target": "layer:acc_cases"}
    assert "acc_cases" in str(found[0]["why"]) and found[0]["address"]
    assert found[1]["who"] == "anonymous" and found[1]["what"] == "GET /collections/acc_cases/items"


def test_a_read_that_is_allowed_logs_nothing(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="onemap.security.denied")
    assert client.get("/collections/acc_cases/items?f=json", headers=caller_headers(SUPERVISOR_JL)).status_code == 200
    assert _denials(caplog) == []
