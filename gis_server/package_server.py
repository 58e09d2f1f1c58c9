"""Serving one offline package on a laptop: the app behind `onemap package serve FILE`.

`create_package_app(path)` verifies the package against its manifest first (`tiles.packages.inspect.
verify_package`; a damaged, altered or unreadable file raises `PackageError`, nothing is served), then
answers:

- `/` → redirect to `/map/offline?package=/package` (the offline map page opened on this package);
- `/map/offline` — the same page the platform serves (`templates/offline.html`), `/static/...` and
  `/static/vendor/...` — the platform's own scripts and browser libraries (`routers.web_assets`);
- `/package/tiles/{z}/{x}/{y}` — a stored tile as stored (gzip MVT, `Content-Encoding: gzip`), 204 for
  a tile the package does not hold, `ETag` + `If-None-Match` → 304;
- `/package/files/{name}` — a file part by its name in the package (style, sprites, glyphs, …): names
  are looked up in the package, never on disk, so no path leads outside it; 404 problem+json otherwise;
- `/package/manifest` — the package's `manifest.json`;
- `/package/file` — the package file itself (`Range` requests → 206, for downloads and PMTiles readers).

The reader is opened once; its calls are serialised by a lock (the MBTiles reader shares one SQLite
connection between the server's threads).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import FileResponse, RedirectResponse, Response

from gis_server import problems
from gis_server.hardening.middleware import HardeningMiddleware
from gis_server.params import reject_unknown
from gis_server.problems import ApiProblem
from gis_server.routers import web_assets
from gis_server.settings import get_settings
from tiles.packages.container import PackageError, PackageReader, check_file_name, open_package
from tiles.packages.inspect import verify_package
from tiles.packages.manifest import MANIFEST_PART

#: Where the package's own routes live; the offline page is opened with `?package=/package`.
PREFIX = "/package"
OFFLINE_PAGE = f"/map/offline?package={PREFIX}"
TEMPLATES = Path(__file__).parent / "templates"
PAGE_TITLE = "离线地图 / Offline map"
TILE_TYPE = "application/vnd.mapbox-vector-tile"
#: Media types of the file parts by suffix; anything else is sent as octet-stream.
PART_TYPES = {".json": "application/json", ".png": "image/png", ".pbf": "application/x-protobuf",
              ".gpkg": "application/geopackage+sqlite3", ".csv": "text/csv; charset=utf-8"}
FILE_TYPES = {"mbtiles": "application/vnd.sqlite3", "pmtiles": "application/vnd.pmtiles"}
#: The package does not change while it is served, but a browser should still ask (cheaply, by ETag).
REVALIDATE = {"Cache-Control": "no-cache"}
NOT_FOUND = "未找到 / Not found"

T = TypeVar("T")


def check_package(path: Path) -> None:
    """`PackageError` (Chinese first) unless the package opens and every part matches its manifest."""
    found = verify_package(path)
    if found:
        raise PackageError(f"离线包校验未通过，拒绝提供 / the package failed verification and is not served: "
                           f"{path}: {'; '.join(found)}")


class ServedPackage:
    """The open package and the lock its reader is used under."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reader: PackageReader = open_package(path)
        self._lock = threading.Lock()

    def read(self, call: Callable[[PackageReader], T]) -> T:
        with self._lock:
            return call(self.reader)

    def close(self) -> None:
        with self._lock:
            self.reader.close()


def _etag(data: bytes) -> str:
    return f'"{hashlib.blake2b(data, digest_size=16).hexdigest()}"'


def _not_modified(request: Request, etag: str) -> bool:
    asked = request.headers.get("if-none-match", "")
    return any(tag.strip() in (etag, f"W/{etag}", "*") for tag in asked.split(",") if tag.strip())


def _cached(request: Request, data: bytes, media_type: str, headers: dict[str, str] | None = None) -> Response:
    etag = _etag(data)
    common = {**REVALIDATE, "ETag": etag}
    if _not_modified(request, etag):
        return Response(status_code=304, headers=common)
    return Response(data, media_type=media_type, headers={**common, **(headers or {})})


def part_type(name: str) -> str:
    return PART_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def create_package_app(path: Path) -> FastAPI:
    """The app serving the package at `path`; `PackageError` when the package fails verification."""
    path = Path(path).resolve()
    check_package(path)
    package = ServedPackage(path)
    templates = Jinja2Templates(directory=str(TEMPLATES))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        package.close()

    app = FastAPI(title=f"{path.name} — {PAGE_TITLE}", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.package = package
    problems.install(app)
    app.add_middleware(HardeningMiddleware, settings=get_settings())  # limits, security headers, CSP
    app.include_router(web_assets.router)

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse(OFFLINE_PAGE, status_code=302)

    @app.get("/map/offline", include_in_schema=False)
    def offline_page(request: Request) -> Response:
        reject_unknown(request.query_params, ("package",))
        return templates.TemplateResponse(request, "offline.html", {"base": str(request.base_url),
                                                                    "title": PAGE_TITLE})

    @app.get(f"{PREFIX}/tiles/{{z}}/{{x}}/{{y}}", include_in_schema=False)
    def tile(request: Request, z: int, x: int, y: int) -> Response:
        try:
            data = package.read(lambda reader: reader.tile(z, x, y))
        except ValueError as exc:
            raise ApiProblem(400, "瓦片坐标无效 / Invalid tile address", str(exc)) from None
        if data is None:
            return Response(status_code=204, headers=REVALIDATE)
        return _cached(request, data, TILE_TYPE, {"Content-Encoding": "gzip"})

    @app.get(f"{PREFIX}/files/{{name:path}}", include_in_schema=False)
    def part(request: Request, name: str) -> Response:
        try:
            check_file_name(name)
        except ValueError:
            data = None
        else:
            data = package.read(lambda reader: reader.file(name))
        if data is None:
            raise ApiProblem(404, NOT_FOUND, f"离线包中没有该文件 / the package has no part {name!r}")
        return _cached(request, data, part_type(name))

    @app.get(f"{PREFIX}/manifest", include_in_schema=False)
    def manifest(request: Request) -> Response:
        data = package.read(lambda reader: reader.file(MANIFEST_PART))
        if data is None:  # verified at start, so only a package changed under the server gets here
            raise ApiProblem(404, NOT_FOUND, f"离线包缺少清单 / the package has no {MANIFEST_PART}")
        return _cached(request, data, "application/json")

    @app.get(f"{PREFIX}/file", include_in_schema=False)
    def whole_file() -> Response:
        return FileResponse(path, media_type=FILE_TYPES.get(package.reader.format, "application/octet-stream"),
                            filename=path.name, content_disposition_type="attachment", headers=REVALIDATE)

    return app


__all__ = ["OFFLINE_PAGE", "PREFIX", "ServedPackage", "check_package", "create_package_app", "part_type"]
