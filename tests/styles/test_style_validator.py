"""Every style the server generates passes MapLibre's own style-spec validator (`gl-style-validate`).

The validator is the npm package @maplibre/maplibre-gl-style-spec, pinned in
tools/style-validator/package-lock.json and installed by `npm ci --prefix tools/style-validator`
(scripts/test.sh). Styles are fetched through the app, exactly as a map would get them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import missing
from tests.styles.conftest import AUTH

VALIDATOR = Path(__file__).resolve().parents[2] / "tools" / "style-validator" / "node_modules" / ".bin" / \
    "gl-style-validate"


@pytest.fixture
def validate():
    node = shutil.which("node")
    if node is None:
        missing("node is not installed (Debian: nodejs)")
    if not VALIDATOR.exists():
        missing(f"{VALIDATOR} not installed: run npm ci --prefix tools/style-validator")

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([node, str(VALIDATOR), "--json", str(path)], capture_output=True, text=True,
                              timeout=120, check=False)

    return run


def test_every_generated_style_passes_the_maplibre_validator(client: TestClient, tmp_path: Path, validate):
    listing = client.get("/styles", headers=AUTH).json()["styles"]
    assert len(listing) >= 12  # the composite, nine base styles, three supervision styles
    for entry in listing:
        response = client.get(f"/styles/{entry['id']}", headers=AUTH)
        assert response.status_code == 200
        path = tmp_path / f"{entry['id']}.json"
        path.write_bytes(response.content)
        result = validate(path)
        errors = json.loads(result.stdout or "[]")
        assert result.returncode == 0 and errors == [], f"{entry['id']}: {errors or result.stderr}"


def test_the_validator_rejects_a_broken_style(client: TestClient, tmp_path: Path, validate):
    style = client.get("/styles/base-roads").json()
    style["layers"][0]["paint"]["line-color"] = ["match", ["get", "road_class"], "expressway"]  # no outputs
    style["layers"].append({"id": "orphan", "type": "line", "source": "no-such-source"})
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(style), encoding="utf-8")
    result = validate(path)
    messages = " ".join(error["message"] for error in json.loads(result.stdout))
    assert result.returncode != 0
    assert "no-such-source" in messages and "line-color" in messages
