"""Real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright — no downloaded
browser) against a real OneMap server over the full sample data.

One server per test session, on a GeoPackage loaded by `onemap load-samples` (all domains, the
pilot chart; positions limited to the last hours through ONEMAP_SAMPLE_POSITION_HOURS so the load
stays short). Browser tests share one xdist group (scripts/test.sh runs `--dist loadgroup`), so
the samples load once. Under CI=true a missing Chromium or Playwright is a failure.
Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import missing
from tests.live_server import start_server, stop_server

CHROMIUM = Path("/usr/bin/chromium")
#: The flags this machine's Chromium needs headless as root with no outside network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ADMIN_TOKEN = "browser-admin-token"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class SampleSite:
    url: str
    admin_token: str
    database_url: str
    users_file: Path


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleSite]:
    """A OneMap server over the full sample data (loaded once per session)."""
    workdir = tmp_path_factory.mktemp("browser-site")
    database_url = f"geopackage://{workdir / 'onemap.gpkg'}"
    users = workdir / "users.yaml"
    users.write_text(SAMPLE_USERS, encoding="utf-8")
    env = {**os.environ, "ONEMAP_DATABASE_URL": database_url, "ONEMAP_ADMIN_TOKEN": ADMIN_TOKEN,
           "ONEMAP_USERS_FILE": str(users), "ONEMAP_SAMPLE_POSITION_HOURS": "2",
           "ONEMAP_TILE_CACHE_DIR": str(workdir / "tiles"), "ONEMAP_SWEEP_SECONDS": "0"}
    subprocess.run([sys.executable, "-m", "gis_server.cli.main", "load-samples"], env=env, check=True,
                   cwd=REPO, stdout=subprocess.DEVNULL)
    proc, url = start_server(
        lambda port: [sys.executable, "-m", "uvicorn", "gis_server.asgi:app", "--port", str(port),
                      "--no-access-log"], env, workdir, cwd=REPO)
    try:
        yield SampleSite(url, ADMIN_TOKEN, database_url, users)
    finally:
        stop_server(proc)


#: Users of the sample site, one per workflow role the browser tests act as (docs/workflow.md):
#: a mapping from bearer token to caller, as `gis_server/users.py` reads it.
SAMPLE_USERS = """\
users:
  hazard-officer-token:
    name: safety_officer.220100.01
    display_name: 长春市安全监管员
    roles: [safety_officer, hazard_reporter]
    organisation: 长春市交通运输局
    region: "220100"
  hazard-officer-jilin-token:
    name: safety_officer.220200.01
    display_name: 吉林市安全监管员
    roles: [safety_officer, hazard_reporter]
    organisation: 吉林市交通运输局
    region: "220200"
  permit-officer-token:
    name: permit_officer.220100.01
    display_name: 长春市大件运输许可经办人
    roles: [permit_officer]
    organisation: 长春市交通运输局
    region: "220100"
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright."""
    if not CHROMIUM.exists():
        missing("Debian chromium is not installed at /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (test extra)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class PageWatch:
    """What went wrong while a page ran: console errors, uncaught exceptions, failed requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [*self.console_errors, *self.page_errors, *self.failed_requests]


#: How Chromium reports a request the page itself cancelled (MapLibre drops tiles the view moved away from).
CANCELLED = "net::ERR_ABORTED"


def watch_page(page: Any) -> PageWatch:
    """Record a page's console errors, uncaught exceptions, failed requests and 4xx/5xx answers; a
    request the page itself cancelled (net::ERR_ABORTED, MapLibre leaving a tile behind) is no failure."""
    watch = PageWatch()
    page.on("console", lambda msg: watch.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    page.on("requestfailed", lambda req: None if req.failure == CANCELLED else
            watch.failed_requests.append(f"{req.method} {req.url}: {req.failure}"))
    page.on("response", lambda res: watch.failed_requests.append(f"{res.status} {res.url}")
            if res.status >= 400 else None)
    return watch


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Any, PageWatch]]:
    """A fresh page (its own context) that records console errors and failed requests, with a
    screenshot of its last state written to test-artifacts/browser/<test name>.png."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    opened = context.new_page()
    watch = watch_page(opened)
    try:
        yield opened, watch
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            opened.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
        finally:
            context.close()
