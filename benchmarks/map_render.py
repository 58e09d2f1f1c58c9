"""`python -m benchmarks.map_render`: how long the planners' map (`/map`) takes to draw its first view
in headless Chromium over the full samples (issue 6 point 4, target: under 2 s).

Data: the Jilin samples (`onemap load-samples`, positions limited to the last two hours — the map
does not draw them) in a GeoPackage (`--gpkg`, default `var/benchmarks/map.gpkg`) and, with
`--stores geopackage,postgis`, in a PostGIS database (`--postgres-db`, default `onemap_map_bench`);
loading is idempotent, so a second run starts at once.

Per store one OneMap server (`uvicorn`, one worker) starts with an empty tile cache and, as
`onemap serve` does, warms up before taking requests (`gis_server.warmup`: the anonymous one-map
style and its overview tiles); `--no-warm-up` starts it as an in-process app would, without. Debian's
Chromium (Playwright, the browser tests' flags: software rendering, no GPU) opens `/map` in a new
browser context each time (an empty HTTP cache, as a first visit):

- **cold**: the first visit after the server started (what the warm-up rendered is cached; without
  it, every tile of the first view is rendered);
- **warm**: `--runs` further visits — tiles come from the server's tile cache;
- **signed in**: `--runs` visits with the admin token (every domain's layers; the chart layers stay
  off until asked for).

The figure is the time from the start of navigation to the map's first `idle` event (MapLibre: the
style, sprite, glyphs and every tile of the view loaded and drawn, no transition running), read in
the page as `onemap.firstIdle` (`performance.now()`, whose origin is the navigation start). Also
recorded: DOMContentLoaded, when the map object was made, and the tile requests of the view.
Output: a Markdown section on stdout; `--docs` appends it to `docs/benchmarks.md` (a new dated
section, nothing above it touched).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import servers
from benchmarks.enc import machine
from benchmarks.setup_data import ensure_database
from domains.framework.discovery import domain

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TOKEN = "benchmark-map-token"
TARGET_MS = 2000.0
CHROMIUM = "/usr/bin/chromium"
#: The browser tests' flags (tests/browser/conftest.py): headless as root, no GPU, no outside network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_samples(database_url: str) -> float:
    env = {**os.environ, "ONEMAP_DATABASE_URL": database_url, "ONEMAP_SAMPLE_POSITION_HOURS": "2"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gis_server.cli.main", "load-samples"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def visit(browser: Any, url: str, viewport: tuple[int, int], token: str | None) -> dict[str, Any]:
    """One first visit in a fresh context: the page's timings and the view's tile requests."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
    try:
        page = context.new_page()
        tiles: list[int] = []
        failed: list[str] = []
        page.on("response", lambda res: tiles.append(res.status) if "/tiles/" in res.url else None)
        page.on("requestfailed", lambda req: failed.append(req.url))
        if token:
            page.add_init_script(f"sessionStorage.setItem('onemap.token', {token!r})")
        page.goto(f"{url}/map")
        page.wait_for_function("() => window.onemap && window.onemap.firstIdle !== undefined", timeout=120_000)
        timings = page.evaluate("""() => ({
            first_idle: onemap.firstIdle, map_created: onemap.mapCreated,
            dom_ready: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
            layers_on: [...onemap.tree.visible.values()].filter(Boolean).length,
        })""")
        return {**timings, "tile_requests": len(tiles), "tile_errors": sum(s >= 400 for s in tiles) + len(failed)}
    finally:
        context.close()


def run_store(kind: str, database_url: str, runs: int, viewport: tuple[int, int], workdir: Path, *,
              warm: bool = True) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    [ready_layer] = [layer for layer in domain("base").layers() if layer.id == "roads"]
    env = {"ONEMAP_ADMIN_TOKEN": TOKEN, "ONEMAP_SWEEP_SECONDS": "0", "ONEMAP_WARM_UP": "1" if warm else "0",
           "ONEMAP_TILE_CACHE_DIR": tempfile.mkdtemp(prefix="tiles-", dir=workdir)}
    server = servers.start("onemap", database_url, [ready_layer], workdir, extra_env=env)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                log(f"{kind}: cold visit …")
                cold = [visit(browser, server.base_url, viewport, None)]
                log(f"{kind}: {runs} warm visits …")
                warm = [visit(browser, server.base_url, viewport, None) for _ in range(runs)]
                log(f"{kind}: {runs} signed-in visits …")
                signed = [visit(browser, server.base_url, viewport, TOKEN) for _ in range(runs)]
            finally:
                browser.close()
    finally:
        server.stop()
    return {"cold": cold, "warm": warm, "signed in": signed}


def summary(visits: list[dict[str, Any]]) -> dict[str, Any]:
    values = [v["first_idle"] for v in visits]
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "dom_ready": statistics.median(v["dom_ready"] for v in visits),
            "map_created": statistics.median(v["map_created"] for v in visits),
            "tiles": round(statistics.median(v["tile_requests"] for v in visits)),
            "errors": sum(v["tile_errors"] for v in visits), "layers": visits[0]["layers_on"], "n": len(visits)}


def markdown(results: dict[str, dict[str, Any]], started: str, host: dict[str, Any], runs: int, warm: bool,
             viewport: tuple[int, int], loads: dict[str, float]) -> str:
    lines = [
        f"## Map first render (run {started})",
        "",
        f"`python -m benchmarks.map_render`. Machine: {host['nproc']} cores ({host['cpu']}), Linux {host['kernel']}, "
        f"Python {host['python']}; load average at the start {', '.join(map(str, host['load_average_at_start']))}. "
        f"Browser: Debian Chromium, headless, software rendering (no GPU), viewport {viewport[0]}×{viewport[1]}, "
        "a new browser context (empty HTTP cache) per visit.",
        "",
        "Time from the start of navigation to the map's first `idle` (style, sprite, glyphs and every tile of the "
        f"first view loaded and drawn). **cold**: the first visit after the server started with an empty tile "
        f"cache ({'warmed up before taking requests, as `onemap serve` does' if warm else 'no warm-up'}); "
        f"**warm**: {runs} more visits (tiles from the server's cache); **signed in**: {runs} visits with "
        f"the admin token (every domain's layers). Target: under {TARGET_MS / 1000:g} s.",
        "",
        "| store | visit | layers on | first render, median | min | max | DOM ready | map made | tile requests "
        "| failed | target met |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for store, scenarios in results.items():
        for name, visits in scenarios.items():
            s = summary(visits)
            met = "yes" if s["median"] < TARGET_MS else "no"
            lines.append(f"| {store} | {name} | {s['layers']} | **{s['median']:.0f} ms** | {s['min']:.0f} ms | "
                         f"{s['max']:.0f} ms | {s['dom_ready']:.0f} ms | {s['map_created']:.0f} ms | {s['tiles']} | "
                         f"{s['errors']} | {met} |")
    lines += ["", "Sample load (or the check that the samples are there) before the run: "
              + ", ".join(f"{k} {v:.0f} s" for k, v in loads.items()) + ".", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default="geopackage", help="geopackage, postgis or both, comma-separated")
    parser.add_argument("--gpkg", type=Path, default=ROOT / "var" / "benchmarks" / "map.gpkg")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--postgres-db", default="onemap_map_bench")
    parser.add_argument("--runs", type=int, default=5, help="warm and signed-in visits per store")
    parser.add_argument("--viewport", default="1400x900", help="browser viewport, WIDTHxHEIGHT")
    parser.add_argument("--docs", action="store_true", help="append the section to docs/benchmarks.md")
    parser.add_argument("--no-warm-up", dest="warm", action="store_false",
                        help="start the server without its warm-up (ONEMAP_WARM_UP=0)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.viewport.lower().split("x"))
    host = machine()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    urls: dict[str, str] = {}
    for kind in (k.strip() for k in args.stores.split(",") if k.strip()):
        if kind == "geopackage":
            args.gpkg.parent.mkdir(parents=True, exist_ok=True)
            urls[kind] = f"geopackage://{args.gpkg.resolve()}"
        elif kind == "postgis":
            url = ensure_database(args.admin_url, args.postgres_db, log)
            urls[kind] = url.replace("postgresql://", "postgresql+psycopg://", 1)
        else:
            parser.error(f"unknown store {kind!r}")
    loads = {}
    results = {}
    with tempfile.TemporaryDirectory(prefix="map-bench-") as scratch:
        for kind, url in urls.items():
            log(f"{kind}: loading the samples (skipped when present) …")
            loads[kind] = load_samples(url)
            results[kind] = run_store(kind, url, args.runs, (width, height), Path(scratch), warm=args.warm)
    text = markdown(results, started, host, args.runs, args.warm, (width, height), loads)
    print(text)
    if args.docs:
        with DOCS.open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)
        log(f"appended to {DOCS}")


if __name__ == "__main__":
    main()
