"""Commands are audited as `cli:<OS user>`: an import is one write record, an export and a package build
each one record with the SHA-256 of what they produced; the trail verifies afterwards. Both stores."""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from gis_server.cli.main import app as onemap_app
from gis_server.settings import get_settings
from layers.protect.audit_context import current_actor
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.audit_wiring.support import POINTS, Trail, point

ME = f"cli:{getpass.getuser()}"


@pytest.fixture
def store(store_url: str) -> Iterator[Any]:
    store = open_store(store_url)
    LayerRegistry(store).register(POINTS)
    yield store
    store.close()


@pytest.fixture
def onemap(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    monkeypatch.setenv("ONEMAP_DATABASE_URL", store_url)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(onemap_app, [str(a) for a in args])
    get_settings.cache_clear()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_import_is_one_record_of_the_shell_user(store: Any, onemap: Callable[..., Result], tmp_path: Path) -> None:
    source = tmp_path / "points.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [125.3 + i / 100, 43.85]},
         "properties": {"name": f"导入{i}", "lanes": i}} for i in range(5)]}, ensure_ascii=False), encoding="utf-8")
    trail = Trail(store)
    result = onemap("import", source, "--layer", POINTS.id)
    assert result.exit_code == 0, result.output
    record = trail.one()
    assert (record.actor, record.action, record.detail["operation"]) == (ME, "write", "insert")
    assert record.detail["count"] == 5 and record.detail["via"] == {"method": "cli"}
    assert current_actor().name == "system"  # the command's actor ends with the command


def test_an_export_is_recorded_with_the_hash_of_each_file(store: Any, onemap: Callable[..., Result],
                                                          tmp_path: Path) -> None:
    store.insert(POINTS, [point(i) for i in range(4)])
    trail = Trail(store)
    result = onemap("export", "--layer", POINTS.id, "--format", "shp", "--out", tmp_path / "points.shp")
    assert result.exit_code == 0, result.output
    record = trail.one()
    assert (record.actor, record.action, record.target) == (ME, "export", "layer:aw_points")
    assert (record.detail["format"], record.detail["features"], record.detail["srid"]) == ("shp", 4, 4490)
    files = record.detail["files"]
    assert {"points.shp", "points.dbf", "points.shx", "points.prj"} <= set(files)
    assert all(files[name] == _sha256(tmp_path / name) for name in files)
    assert "secret_fields" not in record.detail


def test_a_package_build_is_recorded_and_the_trail_verifies(store: Any, onemap: Callable[..., Result],
                                                             tmp_path: Path) -> None:
    store.insert(POINTS, [point(i) for i in range(4)])
    trail = Trail(store)
    out = tmp_path / "changchun.pmtiles"
    result = onemap("package", "build", "--area", "125.20,43.80,125.45,43.95", "--zooms", "8-9", "--layers",
                    POINTS.id, "--format", "pmtiles", "--out", out, "--workers", 1, "--builder", "测试员")
    assert result.exit_code == 0, result.output
    record = trail.one()
    assert (record.actor, record.action) == (ME, "package_build")
    assert record.detail["sha256"] == _sha256(out) and record.detail["builder"] == "测试员"
    assert record.detail["format"] == "pmtiles" and record.detail["area"]["bbox"] == [125.2, 43.8, 125.45, 43.95]
    verified = onemap("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert f"intact: {trail.trail.count()} records" in verified.output
