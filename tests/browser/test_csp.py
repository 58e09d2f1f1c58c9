"""The pages for people under the Content-Security-Policy, in real Chromium over the full samples
(the browser side of tests/security: it shares this directory's one sample site and browser):
/map, /dashboard (charts hovered, so their tooltips draw) and /map/offline (a PMTiles file picked,
so MapLibre's blob: workers and the package protocol run) load with no CSP violation and no console
error, and a script stored in a text field shows as text in the map's popup and the HTML item page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import SampleSite
from tests.browser.map_page import open_map
from tests.packages.served_package import build_sample_package
from tests.security.pages import CSP

pytestmark = pytest.mark.xdist_group("browser")

#: Collects every CSP violation the page reports (also those Chromium does not log as console errors).
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""
PAYLOAD = "<img src=x onerror=alert(1)>"
READY_MS = 60_000


def _violations(opened: Any) -> list[str]:
    return opened.evaluate("window.__csp")


def _watched(page: tuple[Any, Any]) -> tuple[Any, Any, list[str]]:
    opened, watch = page
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened.add_init_script(WATCH_CSP)
    return opened, watch, dialogs


def test_the_map_loads_under_the_csp(sample_site: SampleSite, page: tuple[Any, Any]) -> None:
    opened, watch, _ = _watched(page)
    response = opened.goto(f"{sample_site.url}/map")
    assert response.headers["content-security-policy"] == CSP
    opened.wait_for_function("() => window.onemap && window.onemap.ready === true", timeout=READY_MS)
    opened.evaluate("onemap.idle()")
    assert _violations(opened) == []
    assert watch.problems == []


def test_the_dashboard_loads_under_the_csp(sample_site: SampleSite, page: tuple[Any, Any]) -> None:
    opened, watch, _ = _watched(page)
    response = opened.goto(f"{sample_site.url}/dashboard")
    assert response.headers["content-security-policy"] == CSP
    opened.wait_for_function("() => document.body.dataset.figuresLoaded", timeout=READY_MS)
    opened.wait_for_function("() => Number(document.getElementById('vehicle-map').dataset.refreshes) >= 1",
                             timeout=READY_MS)
    for chart in ("chart-organisations", "chart-domains", "chart-states", "chart-regions", "chart-series"):
        opened.locator(f"#{chart}").hover()
        opened.wait_for_timeout(200)
    assert _violations(opened) == []
    assert watch.problems == []


def test_the_offline_page_opens_a_picked_package_under_the_csp(sample_site: SampleSite,
                                                               page: tuple[Any, Any], tmp_path: Path) -> None:
    package = build_sample_package(tmp_path / "package", "pmtiles")
    opened, watch, _ = _watched(page)
    response = opened.goto(f"{sample_site.url}/map/offline")
    assert response.headers["content-security-policy"] == CSP
    opened.set_input_files("#package-file", str(package.path))
    opened.wait_for_function("() => window.offline && (window.offline.ready === true || window.offline.error)",
                             timeout=READY_MS)
    assert opened.evaluate("offline.error") is None
    opened.evaluate("offline.idle()")
    assert _violations(opened) == []
    assert watch.problems == []


def test_a_stored_script_shows_as_text_in_the_popup_and_item_page(sample_site: SampleSite,
                                                                  page: tuple[Any, Any]) -> None:
    token = sample_site.admin_token
    lon, lat = 125.35, 43.88
    created = httpx.post(f"{sample_site.url}/collections/toll_stations/items", timeout=30,
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/geo+json"},
                         json={"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                               "properties": {"station_code": "XSS-1", "name_zh": PAYLOAD, "route_code": "G12",
                                              "stake_m": 1000}})
    assert created.status_code == 201, created.text
    fid = created.headers["location"].rstrip("/").rsplit("/", 1)[-1]
    opened, watch, dialogs = _watched(page)
    open_map(opened, sample_site, token)
    opened.evaluate("([fid, lon, lat]) => onemap.popups.openFeature('toll_stations', fid, [lon, lat])",
                    [fid, lon, lat])
    heading = opened.locator(".onemap-popup .popup-head h3")
    heading.wait_for(timeout=10_000)
    assert heading.text_content() == PAYLOAD
    assert opened.locator(".onemap-popup img").count() == 0
    opened.goto(created.headers["location"] + "?f=html")
    assert PAYLOAD in opened.locator("main").inner_text()
    assert opened.locator("main img").count() == 0
    assert dialogs == []
    assert _violations(opened) == []
    assert watch.problems == []
