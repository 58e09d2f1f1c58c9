"""The files the platform's own pages load, served by the platform (no CDN, no internet):

- `/static/vendor/{name}`: the browser libraries pinned in `gis_server/web/package-lock.json`
  (MapLibre GL JS, ECharts, PMTiles), installed by `npm ci` in scripts/run.sh and scripts/test.sh;
- `/static/{path}`: OneMap's own scripts and style sheets in `gis_server/web/static/`.

Both are immutable for a given install and cached by browsers for an hour; a library that was not
installed answers 503 with a problem+json body saying how to install it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse, Response

from gis_server.problems import ApiProblem

router = APIRouter()

WEB = Path(__file__).resolve().parents[1] / "web"
NODE_MODULES = WEB / "node_modules"
STATIC = WEB / "static"

#: Public name → file inside node_modules.
VENDOR: dict[str, str] = {
    "maplibre-gl.js": "maplibre-gl/dist/maplibre-gl.js",
    "maplibre-gl.css": "maplibre-gl/dist/maplibre-gl.css",
    "echarts.min.js": "echarts/dist/echarts.min.js",
    "pmtiles.js": "pmtiles/dist/pmtiles.js",
}
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
               ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json"}
CACHE = {"Cache-Control": "public, max-age=3600"}


@router.get("/static/vendor/{name}", include_in_schema=False)
def vendor(name: str) -> Response:
    relative = VENDOR.get(name)
    if relative is None:
        raise ApiProblem(404, "未找到 / Not found", f"没有这个前端库文件 / no vendored file {name!r}; "
                         f"available: {', '.join(sorted(VENDOR))}")
    path = NODE_MODULES / relative
    if not path.is_file():
        raise ApiProblem(503, "前端库未安装 / Browser library not installed",
                         f"{relative} 未安装；请运行 scripts/run.sh（或 npm ci --prefix gis_server/web）/ "
                         "not installed: run scripts/run.sh (or npm ci --prefix gis_server/web)")
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix), headers=CACHE)


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """Browsers ask for it on every page; the platform's mark (SVG, which browsers accept here)."""
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml", headers=CACHE)


@router.get("/static/{path:path}", include_in_schema=False)
def own(path: str) -> Response:
    target = (STATIC / path).resolve()
    if not target.is_relative_to(STATIC.resolve()) or not target.is_file() or target.suffix not in MEDIA_TYPES:
        raise ApiProblem(404, "未找到 / Not found", f"没有静态文件 / no static file {path!r}")
    return FileResponse(target, media_type=MEDIA_TYPES[target.suffix], headers=CACHE)
