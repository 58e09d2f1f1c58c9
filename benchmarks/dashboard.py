"""`python -m benchmarks.dashboard`: every dashboard API call timed on the full samples, on both stores
(issue 6 point 4, target: every call under 200 ms).

Data: the full Jilin samples (`onemap load-samples`: ~10,000 workflow items with ~38,000 history
steps over ten workflow layers, 1,000 dangerous-goods vehicles, 2.88 M positions) in a GeoPackage
(`--gpkg`, default `var/benchmarks/dashboard.gpkg`) and in a PostGIS database (`--postgres-db`,
default `onemap_dashboard_bench` on `--admin-url`, created with PostGIS when missing). Loading is
idempotent, so a second run finds the data and starts at once.

Per store, two OneMap servers (`uvicorn`, one worker, `benchmarks.servers`) answer the calls:

- **miss**: `ONEMAP_DASHBOARD_CACHE=0`, so every call aggregates in the store (the cost of a first
  call after a write, or of a new minute);
- **hit**: the default cache (answers kept per layer data versions and minute).

Each call is made `--repeat` times by one keep-alive client after two warm-up calls; the first call
a fresh server answers is reported separately (`first`). The figures are those the dashboard page
asks for, as the admin (every workflow layer); `vehicles` asks for a 48-hour window so that every
vehicle of the samples has a position. Output: a Markdown section on stdout; `--docs` appends it
to `docs/benchmarks.md` (a new dated section per run, nothing above it touched).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from benchmarks import servers
from domains.framework.discovery import domain

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TOKEN = "benchmark-dashboard-token"
TARGET_MS = 200.0
CALLS = (
    ("summary", "/dashboard/api/summary"),
    ("organisations", "/dashboard/api/organisations?limit=10"),
    ("series", "/dashboard/api/series?days=30"),
    ("vehicles", "/dashboard/api/vehicles?minutes=2880"),
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- data -------------------------------------------------------------------------------------------
def postgres_url(admin_url: str, name: str) -> str:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    return url


def load_samples(database_url: str) -> float:
    """`onemap load-samples` into the store (skips what is loaded already); seconds taken."""
    env = {**os.environ, "ONEMAP_DATABASE_URL": database_url}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gis_server.cli.main", "load-samples"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


# -- timing -----------------------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_calls(base: str, repeat: int) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept-Encoding": "gzip"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for name, path in CALLS:
            started = time.perf_counter()
            first = client.get(path)
            first_ms = (time.perf_counter() - started) * 1000
            first.raise_for_status()
            for _ in range(2):
                client.get(path).raise_for_status()
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            body = response.json()
            results[name] = {"first_ms": first_ms, "median_ms": statistics.median(times),
                             "p95_ms": percentile(times, 0.95), "max_ms": max(times), "bytes": len(response.content),
                             "sent": response.num_bytes_downloaded,
                             "note": describe(name, body)}
    return results


def describe(name: str, body: dict[str, Any]) -> str:
    if name == "summary":
        totals = body["totals"]
        return f"{totals['items']:,} items, {totals['overdue']} overdue, {len(body['collections'])} layers"
    if name == "organisations":
        return f"{body['numberMatched']} organisations"
    if name == "series":
        return f"{len(body['series'])} days, {body['totals']['created']:,} created"
    return f"{body['numberMatched']:,} of {body['registered']:,} vehicles"


def run_store(kind: str, database_url: str, repeat: int, workdir: Path) -> dict[str, dict[str, Any]]:
    [ready_layer] = [layer for layer in domain("expressway").layers() if layer.id == "exp_events"]
    measured: dict[str, dict[str, Any]] = {}
    for mode, cache in (("miss", "0"), ("hit", "256")):
        env = {"ONEMAP_ADMIN_TOKEN": TOKEN, "ONEMAP_DASHBOARD_CACHE": cache, "ONEMAP_SWEEP_SECONDS": "0",
               "ONEMAP_TILE_CACHE_DIR": str(workdir / "tiles")}
        server = servers.start("onemap", database_url, [ready_layer], workdir, extra_env=env)
        try:
            log(f"{kind}: timing the calls ({mode}) …")
            measured[mode] = time_calls(server.base_url, repeat)
        finally:
            server.stop()
    return measured


# -- report -----------------------------------------------------------------------------------------
def machine() -> str:
    cores = os.cpu_count()
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"{cores} cores ({cpu}), {platform.system()} {platform.release()}, Python {platform.python_version()}; "
            f"load average at the start {load}")


#: store → mode ("miss", "hit") → call → figures.
Results = dict[str, dict[str, dict[str, dict[str, Any]]]]


def markdown(results: Results, started: datetime, load_seconds: dict[str, float], repeat: int, host: str,
             pg_version: str) -> str:
    lines = [
        "", f"## Dashboard API (run {started:%Y-%m-%d %H:%M} UTC)", "",
        f"`python -m benchmarks.dashboard`. Machine: {host}. PostgreSQL: {pg_version}, same machine.", "",
        "Full samples in each store (`onemap load-samples`); one uvicorn worker; one keep-alive client on the same "
        f"machine; each call {repeat} times after two warm-up calls, as the admin (all ten workflow layers). "
        "**miss**: answer cache off (`ONEMAP_DASHBOARD_CACHE=0`), every call aggregates in the store; **hit**: "
        "the default cache keyed by the layers' data versions and the minute. *first*: the first call a fresh "
        f"server answered. `vehicles` is never cached (positions are read on every call): its miss and hit rows "
        f"measure the same path twice. Target: every call under {TARGET_MS:.0f} ms.", "",
        "| store | call | what | first | miss median | miss p95 | miss max | hit median | hit p95 | hit max "
        "| JSON / sent (gzip) | target met |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, modes in results.items():
        for name, _ in CALLS:
            miss, hit = modes["miss"][name], modes["hit"][name]
            worst = max(miss["max_ms"], hit["max_ms"])
            lines.append(f"| {kind} | `{name}` | {miss['note']} | {miss['first_ms']:.1f} ms | "
                         f"{miss['median_ms']:.1f} ms | {miss['p95_ms']:.1f} ms | {miss['max_ms']:.1f} ms | "
                         f"{hit['median_ms']:.1f} ms | {hit['p95_ms']:.1f} ms | {hit['max_ms']:.1f} ms | "
                         f"{miss['bytes']:,} / {miss['sent']:,} | "
                         f"{'yes' if worst < TARGET_MS else 'no'} |")
    loads = ", ".join(f"{kind} {seconds:.0f} s" for kind, seconds in load_seconds.items())
    lines += ["", f"Sample load (or the check that the samples are there) before the run: {loads}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gpkg", type=Path, default=ROOT / "var" / "benchmarks" / "dashboard.gpkg")
    parser.add_argument("--admin-url", default=os.environ.get("ONEMAP_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL))
    parser.add_argument("--postgres-db", default="onemap_dashboard_bench")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--stores", default="geopackage,postgis")
    parser.add_argument("--docs", action="store_true", help="append the section to docs/benchmarks.md")
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    host = machine()
    urls: dict[str, str] = {}
    pg_version = "not used"
    for kind in args.stores.split(","):
        if kind == "geopackage":
            args.gpkg.parent.mkdir(parents=True, exist_ok=True)
            urls[kind] = f"geopackage://{args.gpkg.resolve()}"
        elif kind == "postgis":
            urls[kind] = postgres_url(args.admin_url, args.postgres_db)
            engine = sa.create_engine(urls[kind])
            with engine.connect() as conn:
                pg_version = str(conn.execute(sa.text("SELECT split_part(version(), ' on ', 1)")).scalar())
            engine.dispose()
        else:
            parser.error(f"unknown store {kind!r}")
    load_seconds = {}
    for kind, url in urls.items():
        log(f"{kind}: loading the samples (skipped where already loaded) …")
        load_seconds[kind] = load_samples(url)
    results: Results = {}
    with tempfile.TemporaryDirectory(prefix="onemap-dashboard-bench-") as tmp:
        for kind, url in urls.items():
            results[kind] = run_store(kind, url, args.repeat, Path(tmp))
    section = markdown(results, started, load_seconds, args.repeat, host, pg_version)
    print(section)
    if args.docs:
        with DOCS.open("a", encoding="utf-8") as docs:
            docs.write(section)
        log(f"appended to {DOCS}")


if __name__ == "__main__":
    main()
