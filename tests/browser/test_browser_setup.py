"""The browser-test chain itself: Debian Chromium through Playwright, the sample site, CJK text."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("browser")


def test_the_sample_site_renders_chinese_in_chromium_without_errors(sample_site, page) -> None:
    opened, watch = page
    opened.goto(f"{sample_site.url}/?f=html", wait_until="networkidle")
    assert "吉林省交通地理信息平台" in opened.inner_text("header")
    # MapLibre comes from the platform, not a CDN, and runs in this browser
    opened.add_script_tag(url=f"{sample_site.url}/static/vendor/maplibre-gl.js")
    assert opened.evaluate("typeof maplibregl.Map") == "function"
    assert watch.problems == []
