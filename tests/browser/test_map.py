"""The planners' map (`/map`) in real headless Chromium over the full sample site.

What a planner relies on: the page loads from the platform alone with no console error and no
failed request; every sample layer that has features renders where it has them; a popup shows
Chinese attribute labels and code-list labels; a workflow transition made through the popup
changes the feature's colour on the map; search finds a stake and a case number; an oversize
route drawn on the map with a deliberately heavy vehicle fails at a bridge on it; measuring and
the chart view work. Expected answers come from the platform's other APIs (Features, schema,
styles, linear referencing, ENC safety), never from the page itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, PageWatch, SampleSite, watch_page
from tests.browser.map_page import (
    SMALL_VIEW,
    STYLE_IS,
    click_at,
    get,
    haversine_m,
    hex_of,
    idle,
    jump,
    match_colour,
    open_map,
    redraw,
    rendered,
    representative,
    show_only,
)

pytestmark = pytest.mark.xdist_group("browser")

HAZARD_OFFICER = "hazard-officer-token"
#: Jilin City's officer: the hub's hazards are Jilin City's, which Changchun's officer does not see.
JILIN_HAZARD_OFFICER = "hazard-officer-jilin-token"
PERMIT_OFFICER = "permit-officer-token"
#: Jilin City down to Fengman Dam, where most sample layers (the chart among them) have features.
HUB = (126.47, 43.71, 126.70, 43.90)


@pytest.fixture(scope="module")
def admin_map(browser: Any, sample_site: SampleSite) -> Iterator[tuple[Any, PageWatch]]:
    """One page signed in with the admin token (reads every layer), shared by the tests that only look."""
    context = browser.new_context(viewport=SMALL_VIEW, locale="zh-CN")
    page = context.new_page()
    watch = watch_page(page)
    open_map(page, sample_site, sample_site.admin_token)
    try:
        yield page, watch
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / "test_map-admin.png"))
        finally:
            context.close()


def test_the_landing_page_leads_to_the_map_which_loads_without_errors(sample_site: SampleSite, page: Any) -> None:
    opened, watch = page
    requested: list[str] = []
    opened.on("request", lambda req: requested.append(req.url))
    opened.goto(f"{sample_site.url}/?f=html")
    opened.click("#open-map")
    opened.wait_for_url(f"{sample_site.url}/map**")
    opened.wait_for_function("() => window.onemap && window.onemap.ready === true", timeout=60_000)
    idle(opened)
    # the layer tree names the public layers by their Chinese titles, grouped by domain; restricted ones are absent
    tree = opened.text_content("#tab-layers")
    collections = get(sample_site, "/collections", f="json")["collections"]
    assert collections and all(c["title"] in tree for c in collections)
    assert "基础地理" in tree and "安全隐患" not in tree  # haz_hazards is not public
    # every request went to the platform itself: no CDN, no Tianditu without a key
    web = [url for url in requested if url.startswith(("http:", "https:"))]
    assert web and all(url.startswith(sample_site.url) for url in web)
    assert opened.evaluate("onemap.map.getStyle().layers.some((l) => l.id === 'roads-line')")
    assert watch.problems == []


def test_every_sample_layer_renders_where_it_has_features(admin_map: tuple[Any, PageWatch],
                                                          sample_site: SampleSite) -> None:
    page, watch = admin_map
    token = sample_site.admin_token
    layers = {layer["id"]: layer for domain in page.evaluate("onemap.config.domains") for layer in domain["layers"]}
    registered = [c["id"] for c in get(sample_site, "/collections", token, f="json")["collections"]]
    assert sorted(layers) == sorted(registered)

    def first_place(layer_id: str) -> tuple[float, float] | None:
        features = get(sample_site, f"/collections/{layer_id}/items", token, limit=1)["features"]
        return representative(features[0]["geometry"]) if features and features[0]["geometry"] else None

    with ThreadPoolExecutor(max_workers=4) as pool:
        places = dict(zip(registered, pool.map(first_place, registered), strict=True))
    first = {layer_id: place for layer_id, place in places.items() if place is not None}
    assert len(first) >= 50  # the samples fill nearly every layer

    # one view over Jilin City with every layer on; then the layers drawing nothing there alone in the same
    # view (their symbols may have lost every collision); then each remaining layer alone at its first feature
    page.evaluate("([a, b, c, d]) => new Promise((done) => { onemap.map.once('idle', () => done()); "
                  "onemap.map.fitBounds([[a, b], [c, d]], {duration: 0}); })", list(HUB))
    show_only(page, list(first))
    crowded = [layer_id for layer_id in first if not rendered(page, layer_id)]
    show_only(page, crowded)
    missing = [layer_id for layer_id in crowded if not rendered(page, layer_id)]
    not_rendered = []
    for layer_id in missing:
        show_only(page, [layer_id], settle=False)
        lon, lat = first[layer_id]
        jump(page, lon, lat, max(layers[layer_id]["min_zoom"], 14))
        if not rendered(page, layer_id):
            not_rendered.append(layer_id)
    assert not_rendered == []
    assert watch.problems == []


def test_a_popup_shows_chinese_attribute_and_code_list_labels(admin_map: tuple[Any, PageWatch],
                                                              sample_site: SampleSite) -> None:
    page, watch = admin_map
    bridge = get(sample_site, "/collections/bridges/items", limit=1)["features"][0]
    schema = get(sample_site, "/collections/bridges/schema")["properties"]
    lon, lat = bridge["geometry"]["coordinates"]
    show_only(page, [])
    page.locator('input[data-layer="bridges"]').check()  # a real click on the layer tree
    jump(page, lon, lat, 16)
    click_at(page, lon, lat)
    page.wait_for_selector(f'.popup-body[data-fid="{bridge["id"]}"] table.attributes', timeout=20_000)
    text = page.inner_text(".maplibregl-popup")
    props = bridge["properties"]
    assert schema["name_zh"]["title"] in text and props["name_zh"] in text
    assert schema["load_limit_t"]["title"] in text
    grade = str(props["tech_grade"])
    assert f"{schema['tech_grade']['x-onemap-labels'][grade]}（{grade}）" in text
    row = page.inner_text('table.attributes tr[data-field="bridge_code"]')
    assert schema["bridge_code"]["title"] in row and props["bridge_code"] in row
    page.click(".maplibregl-popup-close-button")
    assert watch.problems == []


def test_search_finds_a_stake_and_a_case_number(admin_map: tuple[Any, PageWatch], sample_site: SampleSite) -> None:
    page, watch = admin_map
    # a kilometre post of the base samples is where its stake is
    post = get(sample_site, "/collections/stakes/items", limit=1, filter="route_code = 'G12' AND stake_m = 300000")
    expected = post["features"][0]["geometry"]["coordinates"]
    page.fill("#search-input", "g12 k300+000")
    page.press("#search-input", "Enter")
    page.wait_for_selector("#search-results button.result", timeout=20_000)
    assert "G12 K300+000" in page.inner_text("#search-results")
    page.evaluate("() => new Promise((done) => { onemap.map.once('moveend', () => done()); "
                  "document.querySelector('#search-results button.result').click(); })")
    centre = page.evaluate("onemap.map.getCenter().toArray()")
    assert haversine_m(tuple(centre), tuple(expected)) < 30

    case = get(sample_site, "/collections/enf_cases/items", sample_site.admin_token, limit=1, offset=7)["features"][0]
    case_no = case["properties"]["case_no"]
    page.fill("#search-input", case_no)
    page.press("#search-input", "Enter")
    hit = page.locator(f'#search-results button.result[data-collection="enf_cases"][data-fid="{case["id"]}"]')
    hit.wait_for(timeout=20_000)
    hit.click()
    page.wait_for_selector(f'.popup-body[data-layer="enf_cases"][data-fid="{case["id"]}"] table.attributes',
                           timeout=20_000)
    assert case_no in page.inner_text(".maplibregl-popup")
    centre = page.evaluate("onemap.map.getCenter().toArray()")
    assert haversine_m(tuple(centre), tuple(case["geometry"]["coordinates"])) < 30
    page.click(".maplibregl-popup-close-button")
    assert watch.problems == []


def test_filters_by_state_overdue_and_organisation_keep_only_matching_items(
        admin_map: tuple[Any, PageWatch], sample_site: SampleSite) -> None:
    page, watch = admin_map
    token = sample_site.admin_token
    show_only(page, ["haz_hazards"])
    jump(page, 125.35, 43.85, 9)  # around Changchun
    assert {f["properties"]["workflow_state"] for f in rendered(page, "haz_hazards")} != {"rectifying"}
    page.click('[data-tab="filters"]')
    organisation = "长春市交通运输局"
    page.wait_for_selector(f'select[name="organisation"] option[value="{organisation}"]', state="attached")
    page.check('input[data-state="rectifying"]')
    page.check('input[name="overdue"]')
    page.select_option('select[name="organisation"]', organisation)
    page.fill('input[name="from"]', "2025-01-01")  # in its state since 2025-01-01, China time
    page.click(".filters button[type=submit]")
    page.wait_for_function("() => document.querySelector('.filters .hint').innerText.includes('匹配')")
    redraw(page)
    shown = rendered(page, "haz_hazards")
    assert shown and all(f["properties"]["workflow_state"] == "rectifying" and f["properties"]["overdue"] is True
                         for f in shown)
    matching = get(sample_site, "/collections/haz_hazards/items", token, limit=10000, skipGeometry="true",
                   filter=f"holder_org = '{organisation}' AND workflow_state = 'rectifying' AND overdue = true "
                          "AND state_since >= TIMESTAMP('2024-12-31T16:00:00Z')")
    assert {f["id"] for f in shown} <= {f["id"] for f in matching["features"]}
    page.click(".filters button[type=button]")  # clear
    page.wait_for_function("() => document.querySelector('.filters .hint').innerText.includes('no filter')")
    redraw(page)
    assert len({f["properties"]["workflow_state"] for f in rendered(page, "haz_hazards")}) > 1
    page.click('[data-tab="layers"]')
    assert watch.problems == []


def test_measuring_a_distance_gives_the_geodesic_length(admin_map: tuple[Any, PageWatch]) -> None:
    page, watch = admin_map
    jump(page, 126.55, 43.84, 12)
    page.click('[data-tool="measure-line"]')
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + 40, box["y"] + 300)  # left of the tool panel, which floats on the right
    page.mouse.click(box["x"] + 240, box["y"] + 330)
    page.wait_for_selector(".measure-result strong[data-metres]", timeout=10_000)
    metres = float(page.get_attribute(".measure-result strong[data-metres]", "data-metres"))
    a, b = page.evaluate("[onemap.map.unproject([40, 300]).toArray(), onemap.map.unproject([240, 330]).toArray()]")
    assert metres == pytest.approx(haversine_m(tuple(a), tuple(b)), rel=5e-3)  # ellipsoid vs sphere
    assert "km" in page.inner_text(".measure-result")
    page.click('[data-tool="measure-line"]')  # off again
    assert page.locator("#panel").is_hidden()
    assert watch.problems == []


def test_the_chart_view_draws_the_palettes_and_the_unsafe_water_for_a_safety_depth(
        admin_map: tuple[Any, PageWatch], sample_site: SampleSite) -> None:
    page, watch = admin_map
    page.click('[data-tool="chart"]')
    page.wait_for_function(STYLE_IS, arg="enc-day", timeout=20_000)
    night = get(sample_site, "/styles/enc-night", f="json")
    page.check('input[name="palette"][value="night"]')
    page.wait_for_function(STYLE_IS, arg="enc-night", timeout=20_000)
    background = page.evaluate("onemap.map.getPaintProperty('background', 'background-color')")
    expected_background = next(layer for layer in night["layers"] if layer["id"] == "background")["paint"]
    assert background == expected_background["background-color"]
    page.fill('input[name="safety_depth"]', "3.2")
    page.click(".chart-safety button[type=submit]")
    safety = get(sample_site, "/enc/safety", draft="3.2")
    report = f"{safety['numberReturned']} 处"
    page.wait_for_function("(text) => (document.querySelector('.chart-report')?.innerText || '').includes(text)",
                           arg=report, timeout=20_000)
    drawn = page.evaluate("onemap.map.getSource('onemap-unsafe').serialize().data.features.length")
    assert drawn == safety["numberReturned"] > 0
    settings = page.evaluate("onemap.map.getStyle().metadata['onemap:mariner']['settings']")
    assert settings["safety_depth"] == 3.2
    page.click('[data-tool="chart"]')  # back to the one map
    page.wait_for_function(STYLE_IS, arg="onemap", timeout=20_000)
    assert watch.problems == []


def test_a_transition_made_in_the_popup_changes_the_feature_colour(browser: Any, sample_site: SampleSite) -> None:
    token = JILIN_HAZARD_OFFICER
    # the officer sees Jilin City's hazards only (the layer's rows are by region)
    reported_ones = get(sample_site, "/collections/haz_hazards/items", token, limit=10,
                        filter="workflow_state = 'reported'")["features"]
    assert reported_ones and {f["properties"]["adcode"] for f in reported_ones} == {"220200"}
    hazard = reported_ones[min(3, len(reported_ones) - 1)]
    fid = hazard["id"]
    lon, lat = hazard["geometry"]["coordinates"]
    style = get(sample_site, "/styles/onemap", token, f="json")
    icon = next(layer for layer in style["layers"] if layer["id"] == "haz_hazards-icon")
    reported, assessed = (match_colour(icon["paint"]["icon-color"], s).lower() for s in ("reported", "assessed"))
    assert reported != assessed

    context = browser.new_context(viewport=SMALL_VIEW, locale="zh-CN")
    page = context.new_page()
    watch = watch_page(page)
    try:
        open_map(page, sample_site)  # a visitor first, who signs in with the box in the header
        assert "安全隐患" not in page.text_content("#tab-layers")
        page.click(".sign-in-open")
        page.fill('.sign-in input[name="token"]', token)
        with page.expect_navigation():
            page.click(".sign-in button[type=submit]")
        page.wait_for_function("() => window.onemap && window.onemap.ready === true", timeout=60_000)
        assert "吉林市安全监管员" in page.inner_text("#auth")
        show_only(page, ["haz_hazards"])
        jump(page, lon, lat, 16)
        before = [f for f in rendered(page, "haz_hazards") if f["id"] == fid and f["layer"] == "haz_hazards-icon"]
        assert before and before[0]["properties"]["workflow_state"] == "reported"
        assert hex_of(before[0]["paint"]["icon-color"]) == reported
        click_at(page, lon, lat)
        page.wait_for_selector(f'.popup-body[data-fid="{fid}"] .workflow[data-state="reported"]', timeout=20_000)
        buttons = page.locator(".popup .actions button.transition")
        offered = sorted(buttons.evaluate_all("(bs) => bs.map((b) => b.dataset.transition)"))
        workflow = get(sample_site, f"/collections/haz_hazards/items/{fid}/workflow", token)
        assert offered == sorted(t["id"] for t in workflow["transitions"]) == ["assess", "dismiss"]
        page.click('.popup button.transition[data-transition="assess"]')
        page.click(".transition-form button[type=submit]")
        page.wait_for_selector(f'.popup-body[data-fid="{fid}"] .workflow[data-state="assessed"]', timeout=20_000)
        page.wait_for_function(f"""() => onemap.map.queryRenderedFeatures({{layers: ['haz_hazards-icon']}})
            .some((f) => f.id === {fid} && f.properties.workflow_state === 'assessed')""", timeout=20_000)
        after = [f for f in rendered(page, "haz_hazards") if f["id"] == fid and f["layer"] == "haz_hazards-icon"]
        assert hex_of(after[0]["paint"]["icon-color"]) == assessed
        steps = get(sample_site, f"/collections/haz_hazards/items/{fid}/workflow/history", token)["history"]
        assert steps[-1]["transition"]["id"] == "assess" and steps[-1]["actor"] == "safety_officer.220200.01"
        assert watch.problems == []
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "test_map-transition.png"))
        context.close()


def test_an_oversize_route_drawn_on_the_map_fails_at_a_bridge_too_weak_for_the_vehicle(
        browser: Any, sample_site: SampleSite) -> None:
    token = PERMIT_OFFICER
    bridges = get(sample_site, "/collections/bridges/items", limit=50,
                  filter="route_code = 'G12' AND load_limit_t IS NOT NULL")["features"]
    bridge = bridges[len(bridges) // 2]
    stake = bridge["properties"]["stake_m"]
    ends = [get(sample_site, "/linear-referencing/locate", route="G12", stake=str(stake + d))["geometry"]["coordinates"]
            for d in (-1200, 1200)]
    weight = bridge["properties"]["load_limit_t"] + 80
    enterprise = get(sample_site, "/collections/cre_enterprises/items", limit=1)["features"][0]["properties"]

    context = browser.new_context(viewport=SMALL_VIEW, locale="zh-CN")
    page = context.new_page()
    watch = watch_page(page)
    try:
        open_map(page, sample_site, token)
        page.click('[data-tool="oversize"]')
        page.wait_for_selector(".oversize-form")
        box = [[min(p[0] for p in ends), min(p[1] for p in ends)], [max(p[0] for p in ends), max(p[1] for p in ends)]]
        page.evaluate("(box) => new Promise((done) => { onemap.map.once('idle', () => done()); "
                      "onemap.map.fitBounds(box, {padding: 60, duration: 0}); })", box)
        for lon, lat in ends:
            click_at(page, lon, lat)
        page.wait_for_selector(".route-codes", timeout=20_000)
        codes = page.inner_text(".route-codes")
        assert codes.startswith("G12:") and ";" not in codes
        page.fill('input[name="applicant_code"]', enterprise["credit_code"])
        page.fill('input[name="plate"]', "吉A·T9999")
        page.fill('input[name="gross_weight_t"]', str(weight))
        for name, value in (("height_m", "2.0"), ("width_m", "3.0"), ("length_m", "18")):
            page.fill(f'input[name="{name}"]', value)
        page.click(".oversize-form button[type=submit]")
        status = page.locator(".check-status[data-status]")
        status.wait_for(timeout=30_000)
        assert status.get_attribute("data-status") == "failed"
        code = bridge["properties"]["bridge_code"]
        assert page.locator(f'.problems li[data-kind="overweight"][data-bridge="{code}"]').count() == 1
        assert bridge["properties"]["name_zh"] in page.inner_text(".check-summary")
        fid = int(status.get_attribute("data-fid"))
        findings = get(sample_site, "/collections/per_route_findings/items", token,
                       filter=f"application_fid = {fid}")["features"]
        assert bridge["properties"]["bridge_code"] in {f["properties"]["bridge_code"] for f in findings}
        # the failing bridge is marked on the map
        marks = page.evaluate("onemap.route.sketch.data.features.filter((f) => f.properties.colour)"
                              ".map((f) => f.geometry.coordinates)")
        assert any(haversine_m(tuple(m), tuple(bridge["geometry"]["coordinates"])) < 20 for m in marks)
        assert watch.problems == []
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "test_map-oversize.png"))
        context.close()
