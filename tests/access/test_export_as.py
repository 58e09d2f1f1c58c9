"""`onemap export --as NAME`: the file holds what that person sees — their rows, fields and masks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gis_server.cli.main import app
from gis_server.settings import get_settings
from layers.registry import LayerRegistry
from tests.access.support import PLATES, write_users


@pytest.fixture
def onemap(registry: LayerRegistry, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ONEMAP_DATABASE_URL", store_url)
    monkeypatch.setenv("ONEMAP_USERS_FILE", str(write_users(tmp_path / "users.yaml")))
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, [str(a) for a in args])
    get_settings.cache_clear()


def _exported(onemap, tmp_path: Path, *extra: str) -> dict[str, dict[str, object]]:
    out = tmp_path / f"cases-{len(extra)}-{'-'.join(extra)}.geojson"
    result = onemap("export", "--layer", "acc_cases", "--format", "geojson", "--out", out, *extra)
    assert result.exit_code == 0, result.output
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["adcode"]: f["properties"] for f in features}


def test_an_export_for_a_person_holds_their_view(onemap, tmp_path: Path) -> None:
    everything = _exported(onemap, tmp_path)
    assert set(everything) == {"220100", "220200"} and everything["220100"]["plate"] == PLATES["220100"]
    theirs = _exported(onemap, tmp_path, "--as", "supervisor_jl")
    assert set(theirs) == {"220200"}
    assert theirs["220200"]["plate"] == "吉B***90" and theirs["220200"]["internal_note"] == "内部-220200"
    inspector = _exported(onemap, tmp_path, "--as", "inspector_cc")
    assert set(inspector) == {"220100"} and "internal_note" not in inspector["220100"]


def test_an_export_for_someone_who_may_not_read_the_layer_is_refused(onemap, tmp_path: Path) -> None:
    result = onemap("export", "--layer", "acc_cases", "--format", "geojson", "--out", tmp_path / "x.geojson",
                    "--as", "outsider")
    assert result.exit_code != 0 and "acc_cases" in result.output
    assert not (tmp_path / "x.geojson").exists()
    unknown = onemap("export", "--layer", "acc_cases", "--format", "geojson", "--out", tmp_path / "y.geojson",
                     "--as", "nobody")
    assert unknown.exit_code != 0 and "nobody" in unknown.output
