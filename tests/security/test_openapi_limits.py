"""The API document tells clients about the platform's own refusals: 401, 429 with Retry-After, 413."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_every_operation_documents_rate_limits_and_bodies_their_size_limit(client: TestClient) -> None:
    doc = client.get("/api?f=json").json()
    operations = [(path, method, op) for path, item in doc["paths"].items()
                  for method, op in item.items() if method in ("get", "put", "post", "patch", "delete")]
    assert len(operations) > 50
    for path, method, op in operations:
        responses = op["responses"]
        assert "429" in responses and "Retry-After" in responses["429"]["headers"], (path, method)
        assert "401" in responses, (path, method)
        if "requestBody" in op:
            assert "413" in responses, (path, method)
