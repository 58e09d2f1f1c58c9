"""`python -m benchmarks.features`: OGC API Features throughput of OneMap vs tipg vs pygeoapi on PostGIS.

One command builds (or reuses) the benchmark tables through OneMap's store, times a GeoPackage
import, starts the three servers on the same tables (one uvicorn worker each), checks that they
return the same result counts for every case, then runs every case at each concurrency level,
interleaving the servers case by case so a change in machine load hits all of them alike.
Results: a markdown table (docs/benchmarks.md) and raw JSON (benchmarks/results/).

`--quick` is a smoke run: 20,000 rows, the line layer only, 1 s per case (about 2 minutes); its results
go to var/benchmarks/ (not committed) unless --output/--json say otherwise.
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks import report, servers, setup_data
from benchmarks.cases import Case, build_cases, request_params, supports
from benchmarks.setup_data import log_stderr as log

REPO = Path(__file__).resolve().parents[1]
REFERENCE = "onemap"
COORD_RANGES = {"CRS84": ((121.0, 132.0), (40.0, 47.0)), "EPSG:3857": ((1.35e7, 1.47e7), (4.9e6, 5.9e6))}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.features",
        description="OGC API Features benchmark: OneMap vs tipg vs pygeoapi on the same PostGIS tables.")
    parser.add_argument("--admin-url", default=setup_data.DEFAULT_ADMIN_URL,
                        help="PostgreSQL URL with rights to create the database (default %(default)s)")
    parser.add_argument("--database", default=setup_data.DEFAULT_DATABASE, help="benchmark database (created with "
                        "PostGIS if missing; default %(default)s)")
    parser.add_argument("--rows", type=int, help="features per layer (default 1,000,000; 20,000 with --quick)")
    parser.add_argument("--import-rows", type=int, help="points in the GeoPackage import test (default: --rows; "
                        "0 skips it)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 20,000 rows, lines only, 1 s per case, no warm-up, no fixed-bbox case")
    parser.add_argument("--duration", type=float, help="measured seconds per case and level (default 10; quick 1)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each measurement (default 2; quick 0)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8], help="client counts (default 1 8)")
    parser.add_argument("--servers", nargs="+", default=list(servers.SERVERS),
                        choices=[*servers.SERVERS, *servers.EXTRA], help="servers to measure (default: all three; "
                        "onemap_w2 adds OneMap with 2 workers)")
    parser.add_argument("--layers", nargs="+", choices=["lines", "points"], help="layers (default both; quick: lines)")
    parser.add_argument("--no-fixed-bbox", action="store_true", help="skip the fixed-bbox (cacheable) case")
    parser.add_argument("--encoding", default="gzip", help="Accept-Encoding the clients send (default gzip; "
                        "'identity' for none)")
    parser.add_argument("--seed", type=int, default=setup_data.DEFAULT_SEED)
    parser.add_argument("--output", type=Path, help="markdown file (default docs/benchmarks.md; quick: "
                        "var/benchmarks/quick.md)")
    parser.add_argument("--json", type=Path, help="raw results (default benchmarks/results/features-<rows>.json; "
                        "quick: var/benchmarks/features-quick-<rows>.json)")
    args = parser.parse_args(argv)
    args.rows = args.rows or (20_000 if args.quick else 1_000_000)
    args.import_rows = args.rows if args.import_rows is None else args.import_rows
    args.duration = args.duration or (1.0 if args.quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (0.0 if args.quick else 2.0)
    args.no_fixed_bbox = args.no_fixed_bbox or args.quick
    args.layers = args.layers or (["lines"] if args.quick else ["lines", "points"])
    label = setup_data.size_label(args.rows)
    if args.quick:
        args.output = args.output or REPO / "var/benchmarks/quick.md"
        args.json = args.json or REPO / f"var/benchmarks/features-quick-{label}.json"
    args.output = args.output or REPO / "docs/benchmarks.md"
    args.json = args.json or REPO / f"benchmarks/results/features-{label}.json"
    return args


# -- verification ---------------------------------------------------------------------------------
def probe(server: servers.Server, case: Case, index: int, seed: int) -> dict[str, Any]:
    """numberMatched, numberReturned and whether the first coordinate lies in Jilin in the case's CRS."""
    response = httpx.get(server.items_url(case.layer_id), params=request_params(case, server.name, index, seed),
                         timeout=300)
    if response.status_code != 200:
        return {"status": response.status_code, "error": response.text[:300]}
    doc = response.json()
    features = doc.get("features") or []
    coords_ok = None
    if features:
        point = features[0]["geometry"]["coordinates"]
        while isinstance(point[0], list):
            point = point[0]
        (x0, x1), (y0, y1) = COORD_RANGES[case.crs]
        coords_ok = x0 <= point[0] <= x1 and y0 <= point[1] <= y1
    return {"status": 200, "matched": doc.get("numberMatched"), "returned": doc.get("numberReturned",
            len(features)), "coords_ok": coords_ok}


def verify(case: Case, running: dict[str, servers.Server], seed: int, indices: list[int]) -> dict[str, Any]:
    probes = {name: [probe(server, case, i, seed) for i in indices]
              for name, server in running.items() if supports(case, name)}
    reference = REFERENCE if REFERENCE in probes else next(iter(probes))
    expected = [(p.get("matched"), p.get("returned")) for p in probes[reference]]
    valid: dict[str, bool] = {}
    notes = []
    omitted = sum(1 for p in probes[reference] if p["status"] == 200 and p.get("matched") is None)
    if omitted:
        notes.append(f"{reference} left numberMatched out of {omitted} of {len(indices)} probe pages "
                     "(count over its time budget); numberReturned compared there")
    for name, found in probes.items():
        # Where the reference omitted numberMatched, compare what it did send.
        got = [(p.get("matched") if want[0] is not None else None, p.get("returned"))
               for p, want in zip(found, expected, strict=True)]
        bad_status = [p for p in found if p["status"] != 200]
        bad_coords = [p for p in found if p.get("coords_ok") is False]
        valid[name] = not bad_status and not bad_coords and got == expected
        if bad_status:
            notes.append(f"{name}: HTTP {bad_status[0]['status']} {bad_status[0].get('error', '')[:120]}")
        elif got != expected:
            notes.append(f"{name} (matched, returned) {got} ≠ {reference} {expected}")
        if bad_coords:
            notes.append(f"{name}: first coordinate outside Jilin in {case.crs}")
    return {"probes": probes, "valid": valid, "note": "; ".join(notes)}


# -- one measurement ------------------------------------------------------------------------------
def measure(server: servers.Server, case: Case, clients: int, args: argparse.Namespace) -> dict[str, Any]:
    spec = {"url": server.items_url(case.layer_id), "server": server.name, "seed": args.seed,
            "concurrency": clients, "duration": args.duration, "warmup": args.warmup,
            "encoding": args.encoding, "case": case.to_json()}
    pids = server.pids
    cpu0 = report.process_cpu_seconds(pids)
    db0 = report.database_cpu_seconds(args.db_engine)
    busy0 = report.machine_busy_seconds()[0]
    wall0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "benchmarks.load"], input=json.dumps(spec), text=True,
                          capture_output=True, cwd=REPO)
    wall = time.perf_counter() - wall0
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed for {server.name} {case.key}:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    busy1 = report.machine_busy_seconds()[0]
    server_cpu = report.process_cpu_seconds(pids) - cpu0
    db_cpu = sum(t - db0.get(pid, 0.0) for pid, t in report.database_cpu_seconds(args.db_engine).items())
    sent = result["requests"] + result["warmup_requests"]
    result["server_cores"] = round(server_cpu / wall, 2)
    result["machine_cores"] = round((busy1 - busy0) / wall, 2)
    result["server_cpu_ms"] = round(server_cpu * 1000 / max(sent, 1), 2)
    result["db_cpu_ms"] = round(db_cpu * 1000 / max(sent, 1), 2)
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    data = setup_data.build(args.admin_url, args.database, args.rows, args.seed)
    machine = report.machine_info(data.url)
    args.db_engine = report.database_engine(data.url)
    layers = {"lines": data.lines, "points": data.points}
    chosen = [layers[kind] for kind in args.layers]
    cases = build_cases({kind: layers[kind].id for kind in args.layers}, fixed_bbox_case=not args.no_fixed_bbox)
    record: dict[str, Any] = {
        "command": ("python -m benchmarks.features " + shlex.join(sys.argv[1:])).strip(),
        "machine": machine,
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "db_engine"},
        "data": {"rows": args.rows, "seed": args.seed, "build_rates": data.build_rates},
        "servers": {},
        "cases": [],
    }
    with tempfile.TemporaryDirectory(prefix="onemap-bench-") as tmp:
        workdir = Path(tmp)
        if args.import_rows:
            log(f"[import] GeoPackage → PostGIS, {args.import_rows:,} points")
            record["data"]["import"] = setup_data.measure_import(data.url, args.import_rows, args.seed, workdir)
        running: dict[str, servers.Server] = {}
        try:
            for name in args.servers:
                log(f"[servers] starting {name}")
                running[name] = servers.start(name, data.url, chosen, workdir)
                record["servers"][name] = {"workers": running[name].workers,
                                           "version": machine["packages"].get(servers.kind_of(name)[0])}
            measure_all(cases, running, args, record)
        finally:
            for server in running.values():
                server.stop()
    record["elapsed_minutes"] = round((time.perf_counter() - started) / 60, 1)
    return record


def measure_all(cases: list[Case], running: dict[str, servers.Server], args: argparse.Namespace,
                record: dict[str, Any]) -> None:
    total = sum(1 for c in cases for _ in args.concurrency for name in running if supports(c, name))
    log(f"[bench] {len(cases)} cases × {args.concurrency} clients: {total} runs of ~{args.duration + args.warmup:g} s")
    indices = [0] if args.quick else [0, 1, 2]
    done = 0
    for case in cases:
        check = verify(case, running, args.seed, indices)
        if check["note"]:
            log(f"[verify] {case.key}: {check['note']}")
        entry: dict[str, Any] = {"key": case.key, "label": case.label, "case": case.to_json(),
                                 "verification": check, "runs": {}, "ratios": {}, "met": {}}
        for clients in args.concurrency:
            runs: dict[str, Any] = {}
            for name, server in running.items():
                if not supports(case, name):
                    continue
                done += 1
                result = measure(server, case, clients, args)
                result["valid"] = check["valid"].get(name, True)
                runs[name] = result
                warn = f" errors={result['errors']} ({result['first_error']})" if result["errors"] else ""
                log(f"[{done}/{total}] {case.key} c={clients} {name}: {result['rps']:.1f} req/s, "
                    f"p95 {result['p95_ms']} ms; CPU per request: server {result['server_cpu_ms']} ms, "
                    f"PostgreSQL {result['db_cpu_ms']} ms; machine busy {result['machine_cores']} cores{warn}")
            key = str(clients)
            entry["runs"][key] = runs
            entry["ratios"][key] = report.ratios(runs)
            entry["met"][key] = report.target_met(entry["ratios"][key])
        record["cases"].append(entry)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on `kill` too
    record = run(args)
    report.write_json(args.json, record)
    report.write_markdown(args.output, record)
    met = [v for e in record["cases"] for v in e["met"].values() if v is not None]
    log(f"[done] {sum(met)}/{len(met)} runs meet the targets; {args.output} and {args.json} written "
        f"({record['elapsed_minutes']} min)")


if __name__ == "__main__":
    main()
