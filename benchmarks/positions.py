"""`python -m benchmarks.positions`: vehicle positions into PostGIS (issue 5 point 6, target ≥ 20,000/s).

A fresh PostGIS database (created and dropped by the run) gets the base samples (roads with their
limits), the road-transport layers with the 1,000 sample vehicles and restricted zones, and the
enforcement clue layer when that domain is installed. The positions are the samples' own: the
fleet's day, every 30 s, sent in time order as batches of `--batch` rows (the fleet's reports over
`batch / 1,000 × 30 s`), so the rules meet the episodes and zone entries the samples hold.

Three figures, each over its own stretch of the day (fresh rows, no duplicates):

1. **store path** — `PositionStore.write`, what `POST /positions` stores through: partitions on
   demand, binary COPY into the day-partitioned table (PK, GiST, BRIN maintained);
2. **store + rules, in process** — `positions.ingest.ingest` with the rulebook the API uses
   (speeding/fatigue alerts, restricted-zone clues) on already-parsed batches;
3. **HTTP** — `POST /positions` with a JSON body to a OneMap server (`uvicorn`, one worker,
   `benchmarks.servers`) from one client sending batch after batch: JSON parsing, row checks,
   storage and rules.

The results go to `benchmarks/results/positions.json` and to `docs/benchmarks.md` between
`<!-- positions:start -->` and `<!-- positions:end -->` (appended when missing; text outside kept).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
import sqlalchemy as sa

from benchmarks import servers
from benchmarks.sections import write_section
from domains.framework.discovery import discover_domains
from domains.framework.domain import SampleContext
from domains.framework.rules import RuleBook, RuleContext
from domains.framework.samples import load_samples, register_domain_layers
from domains.road_transport.positions.batch import DAY_MS, PositionBatch, to_ms
from domains.road_transport.positions.ingest import ingest
from domains.road_transport.positions.parse import ParsedBatch, rows_as_json
from domains.road_transport.positions.store import position_store
from domains.road_transport.samples import loader
from domains.road_transport.samples.trips import track
from domains.road_transport.samples.vehicles import vehicle_specs
from layers.registry import LayerRegistry
from layers.stores import open_store

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "benchmarks" / "results" / "positions.json"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET = 20_000
TOKEN = "benchmark-positions-token"


# -- data ---------------------------------------------------------------------------------------------
def fleet_day(now: datetime) -> PositionBatch:
    """The sample fleet's day, in time order (all vehicles' first report, then their second, …)."""
    start = to_ms(now) - DAY_MS
    tracks = [track(spec, start).batch for spec in vehicle_specs()]
    columns = [np.stack([getattr(t, name) for t in tracks], axis=1).ravel()
               for name in ("plate", "t", "lon", "lat", "speed", "heading")]
    return PositionBatch(*columns)


def batches(day: PositionBatch, first_row: int, rows: int, size: int) -> list[PositionBatch]:
    return [day.take(slice(i, min(i + size, first_row + rows))) for i in range(first_row, first_row + rows, size)]


def setup(url: str, now: datetime) -> LayerRegistry:
    """Base samples, the road-transport layers with vehicles and zones (no positions), the clue layer."""
    registry = LayerRegistry(open_store(url))
    context = SampleContext(registry=registry, now=now, progress=lambda *_: None)
    wanted = {"base", "road_transport", "enforcement"}
    domains = [item for item in discover_domains() if item.id in wanted]
    register_domain_layers(registry, domains)
    load_samples(context, [item for item in domains if item.id == "base"])
    from domains.road_transport.reference import VEHICLES, ZONES
    from domains.road_transport.samples.zones import zone_features

    # vehicles shown where the day begins, so the positions move them during the run as they would live
    tracks = [track(spec, to_ms(now) - DAY_MS) for spec in vehicle_specs()]
    starts = [replace(t, batch=t.batch.take(slice(0, 1))) for t in tracks]
    loader._static(context, ZONES, zone_features())
    loader._static(context, VEHICLES, loader._vehicle_features(starts))
    return registry


# -- measurements ---------------------------------------------------------------------------------
def measure_store(registry: LayerRegistry, parts: list[PositionBatch]) -> dict[str, Any]:
    positions = position_store(registry.store)
    started = time.perf_counter()
    stored = sum(positions.write(part).stored for part in parts)
    elapsed = time.perf_counter() - started
    return {"rows": stored, "batches": len(parts), "seconds": round(elapsed, 2), "rows_per_s": round(stored / elapsed)}


def measure_rules(registry: LayerRegistry, parts: list[PositionBatch]) -> dict[str, Any]:
    book = RuleBook([rule for item in discover_domains() for rule in item.rules])
    context = RuleContext(registry=registry, now=lambda: datetime.now(UTC))
    written: dict[str, int] = {}
    stored = 0
    started = time.perf_counter()
    for part in parts:
        parsed = ParsedBatch(part, list(range(len(part))), [], len(part))
        report = ingest(registry, parsed, lambda event: book.dispatch(event, context))
        stored += report.stored
        failed = [f.message for f in report.findings if f.severity == "error"]
        if failed:
            raise RuntimeError(f"a rule failed: {failed[0]}")
        for layer_id, count in report.written.items():
            written[layer_id] = written.get(layer_id, 0) + count
    elapsed = time.perf_counter() - started
    return {"rows": stored, "batches": len(parts), "seconds": round(elapsed, 2),
            "rows_per_s": round(stored / elapsed), "written": written}


def measure_http(url: str, parts: list[PositionBatch], workdir: Path, layers: list[Any]) -> dict[str, Any]:
    bodies = [orjson.dumps(list(rows_as_json(part))) for part in parts]
    server = servers.start("onemap", url, layers, workdir, extra_env={"ONEMAP_ADMIN_TOKEN": TOKEN})
    try:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        with httpx.Client(base_url=server.base_url, timeout=300) as client:
            stored = rejected = 0
            latencies = []
            written: dict[str, int] = {}
            started = time.perf_counter()
            for body in bodies:
                sent = time.perf_counter()
                response = client.post("/positions", content=body, headers=headers)
                latencies.append(time.perf_counter() - sent)
                response.raise_for_status()
                result = response.json()
                stored += result["stored"]
                rejected += result["rejected"]
                for layer_id, count in result["written"].items():
                    written[layer_id] = written.get(layer_id, 0) + count
            elapsed = time.perf_counter() - started
    finally:
        server.stop()
    return {"rows": stored, "rejected": rejected, "batches": len(bodies), "seconds": round(elapsed, 2),
            "rows_per_s": round(stored / elapsed), "body_mb": round(sum(map(len, bodies)) / len(bodies) / 1e6, 2),
            "median_batch_s": round(float(np.median(latencies)), 3), "written": written}


# -- report ---------------------------------------------------------------------------------------
def machine(url: str) -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        pg = conn.execute(sa.text("SHOW server_version")).scalar()
        postgis = conn.execute(sa.text("SELECT postgis_lib_version()")).scalar()
    engine.dispose()
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "nproc": os.cpu_count(), "cpu": cpu,
            "kernel": platform.release(), "python": platform.python_version(), "postgresql": pg,
            "postgis": postgis, "load_average_at_start": [round(v, 2) for v in os.getloadavg()]}


def render(record: dict[str, Any]) -> str:
    m, r = record["machine"], record["results"]
    batch = record["batch"]
    minutes = batch / 1_000 * 0.5

    def row(name: str, what: str) -> str:
        x = r[name]
        met = "yes" if x["rows_per_s"] >= TARGET else "**NO**"
        return (f"| {what} | {x['rows']:,} | {x['batches']} | {x['seconds']:.1f} s | **{x['rows_per_s']:,}** | "
                f"{met} |")

    lines = [
        "## Vehicle positions into PostGIS",
        "",
        f"Run {m['date']} with `python -m benchmarks.positions`. Machine: {m['nproc']} cores ({m['cpu']}), Linux "
        f"{m['kernel']}, Python {m['python']}; PostgreSQL {m['postgresql']} with PostGIS {m['postgis']} on the same "
        f"machine; load average at the start {', '.join(map(str, m['load_average_at_start']))}.",
        "",
        f"Positions: the sample fleet's day (1,000 dangerous-goods vehicles, one report every 30 s each) in time "
        f"order, in batches of {batch:,} rows (the fleet's reports over {minutes:g} minutes); each figure over its own "
        "stretch of the day, every row new. Target: ≥ 20,000 positions/s sustained.",
        "",
        "| path | rows | batches | time | positions/s | target met |",
        "|---|---|---|---|---|---|",
        row("store", "store path: `PositionStore.write` (partitions on demand, binary COPY)"),
        row("rules", "store + rules in process: `ingest` with speeding/fatigue alerts and zone clues"),
        row("http", "HTTP: `POST /positions`, JSON, one client, one uvicorn worker"),
        "",
        f"Features the rules wrote (new or extended): in process {_written(r['rules'])}; over HTTP "
        f"{_written(r['http'])}. HTTP bodies averaged {r['http']['body_mb']} MB; median time per batch "
        f"{r['http']['median_batch_s']} s.",
    ]
    return "\n".join(lines)


def _written(result: dict[str, Any]) -> str:
    return ", ".join(f"{count:,} × `{layer_id}`" for layer_id, count in result["written"].items()) or "none"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=600_000, help="positions per figure (default 600,000)")
    parser.add_argument("--batch", type=int, default=10_000, help="rows per batch (default 10,000)")
    parser.add_argument("--admin-url", default=os.environ.get("ONEMAP_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL),
                        help="PostgreSQL URL allowed to create the temporary benchmark database")
    parser.add_argument("--docs", type=Path, default=DOCS, help="markdown file to write the section into")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where the raw figures go")
    args = parser.parse_args(argv)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    name = f"onemap_bench_positions_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        print("setting up …", file=sys.stderr)
        registry = setup(url, now)
        day = fleet_day(now)
        if 3 * args.rows > len(day):
            raise SystemExit(f"--rows {args.rows} × 3 exceeds the day's {len(day):,} positions")
        record: dict[str, Any] = {"machine": machine(url), "batch": args.batch, "results": {}}
        print("store path …", file=sys.stderr)
        record["results"]["store"] = measure_store(registry, batches(day, 0, args.rows, args.batch))
        print("store + rules …", file=sys.stderr)
        record["results"]["rules"] = measure_rules(registry, batches(day, args.rows, args.rows, args.batch))
        layers = [registry.get("rt_dg_vehicles")]
        registry.close()
        registry.store.close()
        print("HTTP …", file=sys.stderr)
        with tempfile.TemporaryDirectory() as workdir:
            record["results"]["http"] = measure_http(url, batches(day, 2 * args.rows, args.rows, args.batch),
                                                     Path(workdir), layers)
        print(json.dumps(record["results"], indent=2), file=sys.stderr)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        write_section(args.docs, "positions", render(record))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
