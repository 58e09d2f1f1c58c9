"""`python -m benchmarks.enc`: the chart benchmark of issue 4 (targets: import of 5I7IN230 < 5 s, …).

Each measurement is a `Measurement`: a name, a function that runs it and returns a JSON-able record,
and a function that renders that record as markdown lines. `MEASUREMENTS` lists them in report
order; to add one (the route check), write its two functions and append it there. The run writes
`benchmarks/results/enc.json` and the section of `docs/benchmarks.md` between
`<!-- enc:start -->` and `<!-- enc:end -->` (the markers are appended when missing; text outside
them is kept).

Import (`measure_import`): 5I7IN230 (`../shared/data/enc/ienc-5I7IN230`) through
`enc_chart.importer.import_files` — update check, ISO 8211 check, GDAL read, layer registration,
one transaction — into a fresh embedded store (GeoPackage in a temporary folder) and a fresh
PostGIS database (created and dropped by the run): the first import, which also registers the
chart layers, then `--runs` re-imports with `force=True` (each replaces the whole cell in one
transaction, as a new edition does); GDAL's read alone is timed too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.sections import write_section
from enc_chart.exchange_set import check_cell, find_cells
from enc_chart.importer import import_files
from enc_chart.reader import read_checked
from layers.stores import open_store

ROOT = Path(__file__).resolve().parents[1]
CELL = ROOT.parent / "shared" / "data" / "enc" / "ienc-5I7IN230" / "ENC_ROOT" / "5I7IN230.000"
DOCS = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "benchmarks" / "results" / "enc.json"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
IMPORT_TARGET_S = 5.0


@dataclass(frozen=True)
class Measurement:
    name: str
    run: Callable[[argparse.Namespace], dict[str, Any]]
    render: Callable[[dict[str, Any]], list[str]]


# -- import of 5I7IN230 ----------------------------------------------------------------------------
def _time_imports(url: str, runs: int) -> dict[str, Any]:
    store = open_store(url)
    try:
        (files,) = find_cells(CELL)
        started = time.perf_counter()
        report = import_files(store, files)
        first = time.perf_counter() - started
        again = []
        for _ in range(runs):
            started = time.perf_counter()
            import_files(store, files, force=True)
            again.append(time.perf_counter() - started)
        return {"first_s": round(first, 3), "reimport_median_s": round(statistics.median(again), 3),
                "reimport_max_s": round(max(again), 3), "layers": len(report.layers),
                "registered": len(report.registered), "features": report.features}
    finally:
        store.close()


def _time_read(runs: int) -> float:
    (files,) = find_cells(CELL)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        read_checked(check_cell(files))
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def measure_import(args: argparse.Namespace) -> dict[str, Any]:
    if not CELL.exists():
        raise SystemExit(f"test cell missing: {CELL}")
    record: dict[str, Any] = {"cell": CELL.name, "runs": args.runs, "read_median_s": _time_read(args.runs)}
    with tempfile.TemporaryDirectory(prefix="onemap-enc-bench-") as tmp:
        record["geopackage"] = _time_imports(f"geopackage://{Path(tmp) / 'enc.gpkg'}", args.runs)
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    name = f"onemap_bench_enc_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
        with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
            record["postgresql"] = conn.execute(sa.text("SHOW server_version")).scalar()
        record["postgis"] = _time_imports(url, args.runs)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    worst = max(record[kind][key] for kind in ("geopackage", "postgis") for key in ("first_s", "reimport_max_s"))
    record["target_met"] = worst < IMPORT_TARGET_S
    return record


def render_import(record: dict[str, Any]) -> list[str]:
    lines = [
        f"### Import of {record['cell']} (target < {IMPORT_TARGET_S:g} s)",
        "",
        f"GDAL read alone (update check, ISO 8211 check, every class through pyogrio): "
        f"{record['read_median_s']:.2f} s (median of {record['runs']}).",
        "",
        "| store | first import (registers layers) | re-import, median | re-import, max | layers | features | "
        "target met |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, label in (("geopackage", "embedded (GeoPackage)"), ("postgis", f"PostGIS (PostgreSQL "
                                                                             f"{record.get('postgresql', '?')})")):
        r = record[kind]
        met = "yes" if max(r["first_s"], r["reimport_max_s"]) < IMPORT_TARGET_S else "**NO**"
        lines.append(f"| {label} | {r['first_s']:.2f} s | {r['reimport_median_s']:.2f} s | "
                     f"{r['reimport_max_s']:.2f} s | {r['layers']} (+ `enc_dsid`) | {r['features']} | {met} |")
    lines += ["", "A re-import replaces the cell's features in every layer in one transaction (what a new "
              "edition does); the first import also registers the layers (one transaction each)."]
    return lines


# -- route check of a 30 km route ------------------------------------------------------------------
def measure_route(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.enc_route import measure_route_check

    return measure_route_check(runs=max(args.runs, 30))


def render_route(record: dict[str, Any]) -> list[str]:
    met = "yes" if record["within_target"] else "**NO**"
    return [
        f"### Route check of a {record['route_km']} km route (target < {record['target_ms']} ms)",
        "",
        f"Chart: {record['chart']} ({record['depth_areas']} depth areas, {record['bridges']} bridges, "
        f"{record['hazards']} hazards), embedded store; {record['violations']} violations found on the route.",
        "",
        "| first check after a data change | median | p95 | max | through the API (median) | target met |",
        "|---|---|---|---|---|---|",
        f"| {record['cold_ms']:.0f} ms | {record['median_ms']:.1f} ms | {record['p95_ms']:.1f} ms | "
        f"{record['max_ms']:.1f} ms | {record['api_median_ms']:.1f} ms | {met} |",
        "",
        "The first check after the chart or the readings change reads the chart layers and builds the "
        "spatial indexes (cached per data version); every later check reuses them.",
    ]


MEASUREMENTS: tuple[Measurement, ...] = (
    Measurement("import", measure_import, render_import),
    Measurement("route", measure_route, render_route),
)


# -- the report ------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "nproc": os.cpu_count(), "cpu": cpu,
            "kernel": platform.release(), "python": platform.python_version(),
            "load_average_at_start": [round(v, 2) for v in os.getloadavg()]}


def render(record: dict[str, Any]) -> str:
    m = record["machine"]
    lines = [
        "## Electronic navigational chart",
        "",
        f"Run {m['date']} with `python -m benchmarks.enc`. Machine: {m['nproc']} cores ({m['cpu']}), Linux "
        f"{m['kernel']}, Python {m['python']}; load average at the start "
        f"{', '.join(map(str, m['load_average_at_start']))}.",
        "",
    ]
    for measurement in MEASUREMENTS:
        if measurement.name in record["results"]:
            lines += [*measurement.render(record["results"][measurement.name]), ""]
    return "\n".join(lines).rstrip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each timed step (default 5)")
    parser.add_argument("--admin-url", default=os.environ.get("ONEMAP_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL),
                        help="PostgreSQL URL allowed to create the temporary benchmark database")
    parser.add_argument("--only", choices=[m.name for m in MEASUREMENTS], action="append",
                        help="run only this measurement (repeatable)")
    parser.add_argument("--docs", type=Path, default=DOCS, help="markdown file to write the section into")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where the raw figures go")
    args = parser.parse_args(argv)
    record: dict[str, Any] = {"machine": machine(), "results": {}}
    for measurement in MEASUREMENTS:
        if args.only and measurement.name not in args.only:
            continue
        print(f"measuring {measurement.name} …", file=sys.stderr)
        record["results"][measurement.name] = measurement.run(args)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    write_section(args.docs, "enc", render(record))
    print(render(record))


if __name__ == "__main__":
    main()
