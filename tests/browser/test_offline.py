"""The offline map in headless Chromium: MapLibre with the `package://` protocol draws an offline
package served by `onemap package serve` (MBTiles), a `.pmtiles` file picked from disk with no request
for tiles over HTTP, and a PMTiles URL read with HTTP Range requests (pmtiles' FetchSource)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.staticfiles import StaticFiles

from gis_server.package_server import OFFLINE_PAGE, create_package_app
from tests.live_server import free_port
from tests.packages.served_package import ROUTES, STATION_POINTS, STATIONS, SamplePackage, build_sample_package

pytestmark = pytest.mark.xdist_group("browser")

READY_TIMEOUT_MS = 60_000
DOWNLOADS = "/downloads"


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread on a free port; yield its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the package server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@dataclass
class Sites:
    mbtiles: SamplePackage
    pmtiles: SamplePackage
    #: `onemap package serve` over the MBTiles package.
    served_url: str
    #: The package app of the PMTiles package, with the file also under /downloads (a static file server).
    static_url: str


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    root = tmp_path_factory.mktemp("offline-browser")
    mbtiles = build_sample_package(root / "mbtiles", "mbtiles")
    pmtiles = build_sample_package(root / "pmtiles", "pmtiles")
    static_app = create_package_app(pmtiles.path)
    static_app.mount(DOWNLOADS, StaticFiles(directory=pmtiles.path.parent))
    with running(create_package_app(mbtiles.path)) as served_url, running(static_app) as static_url:
        yield Sites(mbtiles, pmtiles, served_url, static_url)


@dataclass
class Requests:
    """Every request the page made: URL, Range header; and every response status by URL."""

    made: list[tuple[str, str | None]] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)

    def urls(self) -> list[str]:
        return [url for url, _ in self.made]


def record(page: Any) -> Requests:
    seen = Requests()
    page.on("request", lambda req: seen.made.append((req.url, req.headers.get("range"))))
    page.on("response", lambda res: seen.statuses.__setitem__(res.url, res.status))
    return seen


def wait_ready(page: Any) -> None:
    page.wait_for_function("() => window.offline && (window.offline.ready === true || window.offline.error)",
                           timeout=READY_TIMEOUT_MS)
    assert page.evaluate("offline.error") is None
    page.evaluate("offline.idle()")


def drawn(page: Any, layer_id: str) -> list[dict[str, Any]]:
    """The features MapLibre rendered for a package layer (all its style layers), with their properties."""
    return page.evaluate("""(id) => {
        const map = offline.map;
        const layers = (offline.styleLayers.get(id) || []).filter((s) => map.getLayer(s));
        return map.queryRenderedFeatures({layers}).map((f) => ({layer: f.sourceLayer, properties: f.properties}));
    }""", layer_id)


def assert_package_drawn(page: Any) -> None:
    stations = drawn(page, STATIONS.id)
    assert {f["properties"]["name"] for f in stations} == set(STATION_POINTS)
    assert {f["layer"] for f in stations} == {STATIONS.id}
    roads = drawn(page, ROUTES.id)
    assert roads and {f["properties"]["name"] for f in roads} == {"长春绕城"}
    titles = page.inner_text("#layer-list")
    assert STATIONS.title_zh in titles and ROUTES.title_zh in titles


def click_station(page: Any, name: str) -> str:
    lon, lat = STATION_POINTS[name]
    x, y = page.evaluate("([lon, lat]) => { const p = offline.map.project([lon, lat]); return [p.x, p.y]; }",
                         [lon, lat])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    popup = page.locator(".maplibregl-popup")
    popup.wait_for(timeout=10_000)
    return popup.inner_text()


def test_a_served_package_is_drawn_with_its_layers_toggles_and_popups(sites: Sites, page: Any) -> None:
    opened, watch = page
    requests = record(opened)
    opened.goto(f"{sites.served_url}/")
    assert opened.url == f"{sites.served_url}{OFFLINE_PAGE}"
    wait_ready(opened)
    assert_package_drawn(opened)
    tiles = [url for url in requests.urls() if "/package/tiles/" in url]
    assert tiles and all(requests.statuses.get(url) in (200, 204, 304) for url in tiles)
    # nothing over the network from anywhere else (MapLibre's worker is a blob: URL inside the page)
    elsewhere = [url for url in requests.urls() if url.startswith(("http:", "https:", "ws:", "wss:"))
                 and not url.startswith(sites.served_url)]
    assert elsewhere == []
    # the layer list's checkbox hides and shows a layer
    opened.locator(f'input[data-layer="{STATIONS.id}"]').uncheck()
    opened.evaluate("offline.idle()")
    assert drawn(opened, STATIONS.id) == [] and drawn(opened, ROUTES.id)
    opened.locator(f'input[data-layer="{STATIONS.id}"]').check()
    opened.evaluate("offline.idle()")
    assert len({f["properties"]["name"] for f in drawn(opened, STATIONS.id)}) == len(STATION_POINTS)
    # a click on a station shows its properties from the tile
    text = click_station(opened, "站点3")
    assert "站点3" in text and STATIONS.title_zh in text
    assert watch.problems == []


def test_a_picked_pmtiles_file_is_drawn_with_no_request_for_tiles(sites: Sites, page: Any) -> None:
    opened, watch = page
    requests = record(opened)
    opened.goto(f"{sites.static_url}/map/offline")
    assert opened.locator("#welcome").is_visible()
    before = len(requests.made)
    opened.set_input_files("#package-file", str(sites.pmtiles.path))
    wait_ready(opened)
    assert_package_drawn(opened)
    after = requests.urls()[before:]
    # the package came from the file: no tile, part or package request went over HTTP
    assert not [url for url in requests.urls() if "/package/" in url or DOWNLOADS in url], after
    assert opened.evaluate("offline.source.kind") == "file"
    text = click_station(opened, "站点1")
    assert "站点1" in text
    assert watch.problems == []


def test_a_pmtiles_url_is_read_with_range_requests(sites: Sites, page: Any) -> None:
    opened, watch = page
    requests = record(opened)
    url = f"{DOWNLOADS}/{sites.pmtiles.path.name}"
    opened.goto(f"{sites.static_url}/map/offline?package={url}")
    wait_ready(opened)
    assert_package_drawn(opened)
    reads = [(made, ranged) for made, ranged in requests.made if made == f"{sites.static_url}{url}"]
    assert len(reads) >= 2 and all(ranged and ranged.startswith("bytes=") for _, ranged in reads)
    assert requests.statuses[f"{sites.static_url}{url}"] == 206
    assert not [made for made in requests.urls() if "/package/" in made]
    assert opened.evaluate("offline.source.kind") == "pmtiles-url"
    assert watch.problems == []
