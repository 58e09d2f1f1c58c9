"""`onemap package serve`: a package opened on a laptop answers its tiles as stored, its parts by name
(and nothing on disk beside it), the whole file with Range requests, and the offline map page; a
damaged or altered package is refused before anything is served."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer
from fastapi.testclient import TestClient
from pmtiles.tile import deserialize_header
from typer.testing import CliRunner

from gis_server.app import create_app
from gis_server.cli import package_serve
from gis_server.package_server import OFFLINE_PAGE, create_package_app
from gis_server.settings import Settings
from tests.packages.served_package import SamplePackage, build_sample_package
from tiles.packages.container import PackageError, open_package
from tiles.packages.inspect import read_manifest
from tiles.packages.style import STYLE_PART

FORMATS = ["mbtiles", "pmtiles"]
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SamplePackage]:
    root = tmp_path_factory.mktemp("served-packages")
    return {fmt: build_sample_package(root / fmt, fmt) for fmt in FORMATS}


@pytest.fixture(params=FORMATS)
def served(request: pytest.FixtureRequest, samples: dict[str, SamplePackage]) -> Iterator[tuple[TestClient, Path]]:
    path = samples[request.param].path
    with TestClient(create_package_app(path)) as client:
        yield client, path


def _raw(client: TestClient, url: str, headers: dict[str, str] | None = None) -> tuple[Any, bytes]:
    """The response and its body exactly as sent (not un-gzipped by the client)."""
    with client.stream("GET", url, headers=headers or {}) as response:
        return response, b"".join(response.iter_raw())


def test_every_tile_is_served_as_stored_with_gzip_and_an_etag(served: tuple[TestClient, Path]) -> None:
    client, path = served
    with open_package(path) as reader:
        stored = {(z, x, y): data for z, x, y, data in reader.tiles()}
    assert len(stored) > 5
    for (z, x, y), data in stored.items():
        response, body = _raw(client, f"/package/tiles/{z}/{x}/{y}")
        assert response.status_code == 200 and body == data
        assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
        assert response.headers["content-encoding"] == "gzip"
    (z, x, y), data = next(iter(stored.items()))
    first = client.get(f"/package/tiles/{z}/{x}/{y}")
    etag = first.headers["etag"]
    again = client.get(f"/package/tiles/{z}/{x}/{y}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    # a tile of the same zoom far from the area is no error: the package has nothing there
    empty = client.get(f"/package/tiles/{z}/0/0")
    assert (z, 0, 0) not in stored and empty.status_code == 204 and empty.content == b""
    wrong = client.get(f"/package/tiles/{z}/{1 << z}/0")
    assert wrong.status_code == 400 and wrong.headers["content-type"] == PROBLEM


def test_file_parts_are_served_by_name_with_their_media_types(served: tuple[TestClient, Path]) -> None:
    client, path = served
    with open_package(path) as reader:
        names = reader.files()
        parts = {name: reader.file(name) for name in names}
    expected = {"json": "application/json", "png": "image/png", "pbf": "application/x-protobuf"}
    assert {STYLE_PART, "manifest.json", "sprites/sprite.png", "sprites/sprite.json"} <= set(names)
    for name, data in parts.items():
        response = client.get(f"/package/files/{name}")
        assert response.status_code == 200 and response.content == data, name
        assert response.headers["content-type"].split(";")[0] == expected[name.rsplit(".", 1)[1]], name
    style = client.get(f"/package/files/{STYLE_PART}").json()
    assert style["sources"]["package"]["tiles"] == ["package://tiles/{z}/{x}/{y}"]
    manifest = client.get("/package/manifest")
    assert manifest.status_code == 200
    assert orjson.loads(manifest.content) == orjson.loads(read_manifest(path).to_bytes())


def test_unknown_parts_are_404_and_no_name_reaches_the_disk(served: tuple[TestClient, Path]) -> None:
    client, path = served
    secret = path.parent / "secret.txt"
    secret.write_text("not for the browser", encoding="utf-8")
    try:
        for name in ("styles/nothing.json", "..%2Fsecret.txt", "styles/..%2F..%2Fsecret.txt",
                     "%2Fetc%2Fpasswd", path.name):
            response = client.get(f"/package/files/{name}")
            assert response.status_code == 404, name
            assert response.headers["content-type"] == PROBLEM and "not for the browser" not in response.text
            assert "离线包中没有该文件" in response.json()["detail"]
    finally:
        secret.unlink()


def test_the_whole_file_downloads_with_range_requests(served: tuple[TestClient, Path]) -> None:
    client, path = served
    data = path.read_bytes()
    whole = client.get("/package/file")
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["accept-ranges"] == "bytes" and path.name in whole.headers["content-disposition"]
    part = client.get("/package/file", headers={"Range": "bytes=100-611"})
    assert part.status_code == 206 and part.content == data[100:612]
    assert part.headers["content-range"] == f"bytes 100-611/{len(data)}"
    tail = client.get("/package/file", headers={"Range": f"bytes={len(data) - 10}-"})
    assert tail.status_code == 206 and tail.content == data[-10:]


def test_the_root_opens_the_offline_map_on_the_package(served: tuple[TestClient, Path]) -> None:
    client, _ = served
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 302 and home.headers["location"] == OFFLINE_PAGE
    page = client.get(OFFLINE_PAGE)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "离线地图" in html and 'lang="zh-CN"' in html
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    sources = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, body in scripts if 'src="' in attrs]
    assert len(sources) == len(scripts) and all(not body.strip() for _, body in scripts)  # no inline script
    assert {"static/vendor/maplibre-gl.js", "static/vendor/pmtiles.js", "static/offline/main.js"} <= {
        src.split("/", 3)[-1] for src in sources}
    for src in sources:
        assert client.get(src).status_code == 200, src
    assert client.get("/map/offline?pakage=/package").status_code == 400


def _tampered(sample: SamplePackage, workdir: Path) -> tuple[Path, str]:
    """A copy of the package with one thing changed after it was built, and what the refusal names."""
    copy = workdir / f"tampered.{sample.fmt}"
    shutil.copyfile(sample.path, copy)
    if sample.fmt == "mbtiles":
        with sqlite3.connect(copy) as conn:
            conn.execute("UPDATE package_files SET data = ? WHERE name = ?", (b'{"version": 8}', STYLE_PART))
        conn.close()
        return copy, f"部件已被改动 / altered part: {STYLE_PART}"
    data = bytearray(copy.read_bytes())
    header = deserialize_header(bytes(data[:127]))
    data[header["tile_data_offset"] + header["tile_data_length"] // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    return copy, "瓦片与清单不符 / the tiles do not match the manifest"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_damaged_or_altered_package_is_refused(samples: dict[str, SamplePackage], tmp_path: Path, fmt: str) -> None:
    copy, reason = _tampered(samples[fmt], tmp_path)
    with pytest.raises(PackageError) as raised:
        create_package_app(copy)
    assert "离线包校验未通过" in str(raised.value) and reason in str(raised.value)
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(samples[fmt].path.read_bytes()[: samples[fmt].path.stat().st_size // 2])
    not_a_package = tmp_path / "notes.pmtiles"
    not_a_package.write_text("路线说明 / notes", encoding="utf-8")
    for bad in (cut, not_a_package):
        with pytest.raises(PackageError):
            create_package_app(bad)


def _cli() -> typer.Typer:
    app = typer.Typer()
    group = typer.Typer()
    package_serve.register_serve(group)
    app.add_typer(group, name="package")
    return app


def test_the_command_refuses_a_damaged_package_with_exit_code_1(
        samples: dict[str, SamplePackage], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Any] = []
    monkeypatch.setattr(package_serve.uvicorn, "run", lambda *args, **kwargs: started.append(args))
    copy, reason = _tampered(samples["mbtiles"], tmp_path)
    result = CliRunner().invoke(_cli(), ["package", "serve", str(copy)])
    assert result.exit_code == 1 and not started
    output = "".join(result.output.split())
    assert output.startswith("错误/error:离线包校验未通过") and "Traceback" not in output
    assert "".join(f"{copy.name}: {reason}".split()) in output


def test_the_command_serves_a_good_package_and_prints_the_map_address(samples: dict[str, SamplePackage],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(package_serve.uvicorn, "run", lambda app, **kwargs: started.append((app, kwargs)))
    path = samples["pmtiles"].path
    result = CliRunner().invoke(_cli(), ["package", "serve", str(path), "--port", "8765"])
    assert result.exit_code == 0, result.output
    assert f"http://localhost:8765{OFFLINE_PAGE}" in result.output
    app, options = started[0]
    assert options["host"] == "127.0.0.1" and options["port"] == 8765
    with TestClient(app) as client:
        assert client.get("/package/manifest").json()["format"] == "pmtiles"


def test_the_platform_serves_the_same_offline_page(samples: dict[str, SamplePackage]) -> None:
    settings = Settings(database_url=samples["mbtiles"].database_url)
    with TestClient(create_app(settings)) as client:
        page = client.get("/map/offline?package=https://example.org/changchun.pmtiles")
        assert page.status_code == 200 and "static/offline/main.js" in page.text and "离线地图" in page.text
        assert client.get("/static/offline/main.js").status_code == 200
        assert client.get("/map/offline?x=1").status_code == 400
