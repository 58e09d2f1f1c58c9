"""The command-centre dashboard in real Chromium over the full samples: it loads with no console error
and no failed request, the figures it shows are the API's, and the vehicle map follows positions
posted while it is open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from domains.framework.discovery import discover_domains

pytestmark = pytest.mark.xdist_group("browser")

TABLES = ("domains", "states", "regions")
#: Two places in the countryside east of Jilin City, away from every restricted zone of the samples.
FIRST, SECOND = (127.60, 43.30), (127.75, 43.22)


def _number(text: str) -> int | float:
    cleaned = text.replace(",", "").strip()
    return float(cleaned) if "." in cleaned else int(cleaned)


def _api(site: Any, path: str, token: str | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(f"{site.url}{path}", headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _shown(opened: Any) -> dict[str, Any]:
    """Every figure the page shows, read from the DOM, with the `as_of` of each answer it came from."""
    return opened.evaluate("""() => {
        const text = (id) => document.querySelector(`[data-testid="${id}"]`).textContent;
        const rows = (name) => [...document.querySelectorAll(`[data-testid="${name}-row"]`)].map((tr) => ({
            key: tr.dataset.key,
            cells: Object.fromEntries([...tr.querySelectorAll("td[data-field]")].map(
                (td) => [td.dataset.field, td.textContent])),
        }));
        const data = document.body.dataset;
        return {
            as_of: [data.asOfSummary, data.asOfOrganisations, data.asOfSeries],
            totals: Object.fromEntries(["items", "open", "overdue", "closed"].map((n) => [n, text(`total-${n}`)])),
            domains: rows("domains"), states: rows("states"), regions: rows("regions"),
            organisations: rows("organisations"), series: rows("series"),
            series_totals: [text("series-total-created"), text("series-total-closed")],
            caller: text("caller"),
        };
    }""")


def _consistent_figures(opened: Any, site: Any, token: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The page's figures and the API's answers taken at the same `as_of` (a minute may turn between)."""
    for _ in range(3):
        shown = _shown(opened)
        answers = [_api(site, path, token) for path in ("/dashboard/api/summary",
                                                        "/dashboard/api/organisations?limit=10",
                                                        "/dashboard/api/series?days=30")]
        if shown["as_of"] == [answer["as_of"] for answer in answers]:
            return shown, answers
        opened.evaluate("window.onemapDashboard.refresh()")
    raise AssertionError("the page's figures and the API's never shared an as_of")


def _assert_page_shows(shown: dict[str, Any], summary: dict[str, Any], ranked: dict[str, Any],
                       series: dict[str, Any]) -> None:
    assert {name: _number(value) for name, value in shown["totals"].items()} == summary["totals"]
    for table, groups in zip(TABLES, (summary["by_domain"], summary["by_state"], summary["by_region"]), strict=True):
        on_page = {row["key"]: (row["cells"]["name"], *(_number(row["cells"][f]) for f in ("items", "open", "overdue")))
                   for row in shown[table]}
        assert on_page == {group["key"] or "": (group["name_zh"], group["items"], group["open"], group["overdue"])
                           for group in groups}, table
    assert [(row["cells"]["rank"], row["cells"]["name"], _number(row["cells"]["overdue"]),
             _number(row["cells"]["open"])) for row in shown["organisations"]] == [
        (str(row["rank"]), row["name"], row["overdue"], row["open"]) for row in ranked["organisations"]]
    assert sorted((row["key"], _number(row["cells"]["created"]), _number(row["cells"]["closed"]))
                  for row in shown["series"]) == [(d["day"], d["created"], d["closed"]) for d in series["series"]]
    assert [_number(value) for value in shown["series_totals"]] == [series["totals"]["created"],
                                                                    series["totals"]["closed"]]


def _wait_for_figures(opened: Any, caller_text: str) -> None:
    opened.wait_for_function("(expected) => document.body.dataset.figuresLoaded && "
                             "document.querySelector('[data-testid=caller]').textContent.includes(expected)",
                             arg=caller_text, timeout=30_000)


def test_an_anonymous_visitor_sees_the_public_figures_without_errors(sample_site, page) -> None:
    opened, watch = page
    opened.goto(f"{sample_site.url}/dashboard")
    _wait_for_figures(opened, "匿名")
    shown, (summary, ranked, series) = _consistent_figures(opened, sample_site, None)
    public = {layer.id for d in discover_domains() for layer in d.layers()
              if layer.workflow is not None and "public" in layer.read_roles}
    assert set(summary["collections"]) == public  # of the samples: the expressway events
    assert summary["totals"]["items"] > 0 and summary["totals"]["overdue"] > 0
    _assert_page_shows(shown, summary, ranked, series)
    opened.wait_for_function("() => Number(document.getElementById('vehicle-map').dataset.refreshes) >= 1",
                             timeout=30_000)
    assert watch.problems == []


def test_a_signed_in_supervisor_sees_every_domain_and_the_numbers_equal_the_api(sample_site, page) -> None:
    opened, watch = page
    opened.goto(f"{sample_site.url}/dashboard")
    _wait_for_figures(opened, "匿名")
    opened.fill("[data-testid=signin-form] input[name=token]", sample_site.admin_token)
    opened.click("[data-testid=signin-form] button[type=submit]")
    _wait_for_figures(opened, "admin")
    shown, (summary, ranked, series) = _consistent_figures(opened, sample_site, sample_site.admin_token)
    workflow_domains = {d.id for d in discover_domains() if any(layer.workflow for layer in d.layers())}
    assert {group["key"] for group in summary["by_domain"]} == workflow_domains
    assert ranked["organisations"][0]["overdue"] > 0
    assert summary["totals"]["overdue"] > 0 and series["totals"]["created"] > 0
    _assert_page_shows(shown, summary, ranked, series)
    # the overdue figure is the prominent one: the largest number on the screen
    sizes = opened.evaluate("""() => ['total-overdue', 'total-open', 'total-items'].map(
        (id) => parseFloat(getComputedStyle(document.querySelector(`[data-testid="${id}"]`)).fontSize))""")
    assert sizes[0] > max(sizes[1:])
    assert watch.problems == []


def _post_position(site: Any, plate: str, where: tuple[float, float], at: datetime) -> None:
    report = [{"plate": plate, "time": at.isoformat(), "lon": where[0], "lat": where[1], "speed_kmh": 40,
               "heading_deg": 120}]
    response = httpx.post(f"{site.url}/positions", json=report, timeout=30,
                          headers={"Authorization": f"Bearer {site.admin_token}"})
    assert response.status_code == 200 and response.json()["stored"] == 1, response.text


_DRAWN_AT = """([plate, lon, lat]) => {
    const map = window.onemapDashboard.vehicleMap.map;
    if (!map || !map.getLayer('vehicles-points')) return false;
    const p = map.project([lon, lat]);
    return map.queryRenderedFeatures([[p.x - 4, p.y - 4], [p.x + 4, p.y + 4]], {layers: ['vehicles-points']})
        .some((f) => f.properties.plate === plate && f.properties.online === true);
}"""


def test_the_vehicle_map_follows_positions_posted_while_it_is_open(sample_site, page) -> None:
    opened, watch = page
    [vehicle] = _api(sample_site, "/collections/rt_dg_vehicles/items?limit=1", None)["features"]
    plate = vehicle["properties"]["plate"]
    opened.goto(f"{sample_site.url}/dashboard")
    opened.wait_for_function("() => Number(document.getElementById('vehicle-map').dataset.refreshes) >= 1",
                             timeout=30_000)
    assert not opened.evaluate(_DRAWN_AT, [plate, *FIRST])
    now = datetime.now(UTC)
    _post_position(sample_site, plate, FIRST, now - timedelta(seconds=20))
    opened.wait_for_function(_DRAWN_AT, arg=[plate, *FIRST], timeout=30_000)
    _post_position(sample_site, plate, SECOND, now - timedelta(seconds=5))
    opened.wait_for_function(_DRAWN_AT, arg=[plate, *SECOND], timeout=30_000)
    assert not opened.evaluate(_DRAWN_AT, [plate, *FIRST])  # moved, not copied
    in_source = opened.evaluate("window.onemapDashboard.vehicleMap.positions()")
    assert [p["coordinates"] for p in in_source if p["plate"] == plate] == [list(SECOND)]
    online = opened.evaluate("window.onemapDashboard.vehicleMap.last.online")
    assert _number(opened.text_content("[data-testid=vehicles-online]")) == online >= 1
    assert watch.problems == []
