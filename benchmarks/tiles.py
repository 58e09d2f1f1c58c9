"""`python -m benchmarks.tiles`: vector-tile throughput of OneMap vs tipg vs a bare Starlette ceiling.

One command, one run, all servers side by side on the same PostGIS tables (the 1,000,000 lines and
1,000,000 points of `benchmarks.setup_data`, plus the Jilin samples), each under uvicorn with one
worker (OneMap also with two, as an extra row), loaded by `wrk` at 32 connections on loopback
(`benchmarks/wrk.py`, `walk.lua`). Per tileset — the lines layer, the points layer (OneMap and
tipg) and the composite `collections=lines,points` (OneMap only: tipg has no multi-layer tiles):

1. **trace**: the recorded pan-and-zoom trace (`benchmarks/traces/province-pan-zoom.json`, z5–15)
   replayed once, in order, 32 requests in flight, OneMap's cache cold (a fresh disk directory per
   server, memory empty): throughput = tiles / wall time until the last one arrived;
2. **sizes**: every distinct trace tile fetched once more from each server; the largest gzip
   tile per zoom (≤ 500 KB for OneMap; tipg's beside it) and the probe tiles checked (`tile_cases`);
3. **cached**: the distinct trace tiles, now in OneMap's cache, requested round and round for
   `--duration` s after `--warmup` s — against the ceiling app (`benchmarks/ceiling.py`) replaying
   exactly OneMap's bytes for the same URLs, and against its fixed ~50 KB tile;
4. **light**: seeded random distinct z12–14 tiles inside Jilin, never in the trace, each requested
   once (no cache can answer), for `--duration` s after a warm-up on another such list.

The samples' composite (all nine sample layers in one tile) is sized over the trace too.
Results: a section of docs/benchmarks.md between `<!-- tiles:start -->` and `<!-- tiles:end -->`
and raw JSON in benchmarks/results/tiles-<rows>.json. `--quick`: 20,000-row tables, two trace
sessions, 2 s runs, no second OneMap, about a minute.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from benchmarks import ceiling, report, servers, setup_data, tile_profile, tiles_report, wrk
from benchmarks.setup_data import log_stderr as log
from benchmarks.tile_cases import LayerSet, fetch_tiles, largest_per_zoom, light_tiles, probe_tiles, smoke_tile, verify
from benchmarks.tile_trace import TRACE_FILE, Tile, load_trace

REPO = Path(__file__).resolve().parents[1]
SERVERS = ("onemap", "tipg", "onemap_w2")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.tiles",
        description="Vector tiles benchmark: OneMap vs tipg vs a bare Starlette ceiling, wrk at 32 connections.")
    parser.add_argument("--admin-url", default=setup_data.DEFAULT_ADMIN_URL,
                        help="PostgreSQL URL with rights to create the database (default %(default)s)")
    parser.add_argument("--database", default=setup_data.DEFAULT_DATABASE, help="benchmark database (default "
                        "%(default)s; built by benchmarks.setup_data, shared with the Features benchmark)")
    parser.add_argument("--rows", type=int, help="features per layer (default 1,000,000; 20,000 with --quick)")
    parser.add_argument("--seed", type=int, default=setup_data.DEFAULT_SEED)
    parser.add_argument("--quick", action="store_true", help="smoke run: 20,000 rows, 2 trace sessions, 2 s runs, "
                        "no warm-up, OneMap with one worker only (about a minute)")
    parser.add_argument("--duration", type=int, help="seconds per cached/light run (default 10; quick 2)")
    parser.add_argument("--warmup", type=int, help="warm-up seconds before each cached/light run (default 2; quick 0)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--servers", nargs="+", choices=SERVERS, help="servers besides the ceiling "
                        "(default: onemap tipg onemap_w2; quick: onemap tipg)")
    parser.add_argument("--sets", nargs="+", choices=["lines", "points", "composite"],
                        default=["lines", "points", "composite"], help="tilesets (default all three)")
    parser.add_argument("--sessions", type=int, help="trace sessions to replay (default all; quick 2)")
    parser.add_argument("--light-tiles", type=int, help="distinct z12–14 tiles per light run (default 40,000; "
                        "quick 4,000)")
    parser.add_argument("--no-samples", action="store_true", help="skip loading and sizing the Jilin samples")
    parser.add_argument("--trace-file", type=Path, default=TRACE_FILE)
    parser.add_argument("--profile", action="store_true", help="sample the one-worker OneMap with py-spy during its "
                        "measured runs (folded stacks in benchmarks/results/profiles/; needs `pip install py-spy`)")
    parser.add_argument("--output", type=Path, help="markdown file (default docs/benchmarks.md; quick: "
                        "benchmarks/results/tiles-quick.md)")
    parser.add_argument("--json", type=Path, help="raw results (default benchmarks/results/tiles-<rows>.json)")
    args = parser.parse_args(argv)
    args.rows = args.rows or (20_000 if args.quick else 1_000_000)
    args.duration = args.duration or (2 if args.quick else 10)
    args.warmup = args.warmup if args.warmup is not None else (0 if args.quick else 2)
    args.servers = args.servers or (["onemap", "tipg"] if args.quick else list(SERVERS))
    args.sessions = args.sessions or (2 if args.quick else None)
    args.light_tiles = args.light_tiles or (4_000 if args.quick else 40_000)
    label = setup_data.size_label(args.rows)
    args.output = args.output or (REPO / ("benchmarks/results/tiles-quick.md" if args.quick else "docs/benchmarks.md"))
    args.json = args.json or (REPO / f"benchmarks/results/tiles-{'quick-' if args.quick else ''}{label}.json")
    args.profile_dir = REPO / "benchmarks/results/profiles" / f"tiles-{'quick-' if args.quick else ''}{label}"
    return args


# -- one measurement ------------------------------------------------------------------------------
def postgres_cpu_seconds() -> float:
    """CPU seconds of the whole PostgreSQL server: every live process under the postmaster plus, through
    the postmaster's children counters (cutime, cstime), the backends that have exited — a pool that
    opens and closes overflow connections during a run pays for them too. The benchmark database's
    backends alone (`report.database_cpu_seconds`) miss those."""
    found = subprocess.run(["pgrep", "-o", "-x", "postgres"], capture_output=True, text=True).stdout.split()
    if not found:
        return 0.0
    postmaster = int(found[0])
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        if pid == postmaster:
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])  # + cutime, cstime
        elif int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def sessions_opened(conn: Any) -> int:
    """Connections ever opened to the benchmark database (`pg_stat_database.sessions`, PostgreSQL 14+)."""
    return int(conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()").fetchone()[0])


class Meter:
    """CPU of the server, of PostgreSQL, of wrk and of the machine over one run; connections opened."""

    def __init__(self, server: servers.Server, conn: Any) -> None:
        self.server, self.conn = server, conn
        self.sessions0 = sessions_opened(conn)
        self.pids = server.pids
        self.cpu0 = report.process_cpu_seconds(self.pids)
        self.db0 = postgres_cpu_seconds()
        self.busy0 = report.machine_busy_seconds()[0]
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.child0 = usage.ru_utime + usage.ru_stime
        self.wall0 = time.perf_counter()

    def finish(self, result: dict[str, Any]) -> dict[str, Any]:
        wall = time.perf_counter() - self.wall0
        server_cpu = report.process_cpu_seconds(self.pids) - self.cpu0
        db_cpu = postgres_cpu_seconds() - self.db0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        requests = max(result["requests"], 1)
        result["db_sessions_opened"] = sessions_opened(self.conn) - self.sessions0
        result["server_cpu_ms"] = round(server_cpu * 1000 / requests, 3)
        result["db_cpu_ms"] = round(db_cpu * 1000 / requests, 3)
        result["server_cores"] = round(server_cpu / wall, 2)
        result["wrk_cores"] = round((usage.ru_utime + usage.ru_stime - self.child0) / wall, 2)
        result["machine_cores"] = round((report.machine_busy_seconds()[0] - self.busy0) / wall, 2)
        return result


def measure(server: servers.Server, paths: list[str], mode: str, args: argparse.Namespace, label: str,
            warm_paths: list[str] | None = None) -> dict[str, Any]:
    common = {"connections": args.connections, "threads": args.threads}
    if warm_paths and args.warmup:
        wrk.run(server.base_url, warm_paths, "loop" if mode == "loop" else "distinct", args.workdir,
                duration=args.warmup, label=f"{label}-warm", **common)
    duration = args.trace_cap if mode == "once" else args.duration
    spy = None
    if args.profile and server.name == "onemap":
        folded = args.profile_dir / f"{label.replace(' ', '-')}.txt"
        spy = tile_profile.start(server.pids[0], folded, duration + 5, gil=mode == "loop")
        time.sleep(0.5)  # py-spy attaches before the load starts
    load_before = [round(v, 2) for v in os.getloadavg()]
    started_at = time.strftime("%H:%M:%S", time.gmtime())
    meter = Meter(server, args.pg)
    result = meter.finish(wrk.run(server.base_url, paths, mode, args.workdir, duration=duration, label=label,
                                  **common))
    result["started_utc"], result["load_average_before"] = started_at, load_before
    if spy is not None:
        tile_profile.finish(spy)
        result["profile"] = tile_profile.summarize(folded)
        result["profile"]["sampled"] = "GIL holder (Python CPU)" if mode == "loop" else "active threads (wall time)"
        result["profile"]["file"] = str(folded.relative_to(REPO)) if folded.is_relative_to(REPO) else str(folded)
    flag = "" if not result["errors"] and result["complete"] and not (mode == "distinct" and result["wrapped"]) \
        else f" ⚠ errors={result['errors']} complete={result['complete']} wrapped={result['wrapped']}"
    log(f"[{started_at} {label}] {server.name}: {result['requests']:,} tiles, {result['rps']:,.1f}/s, "
        f"p95 {result['p95_ms']} ms; "
        f"CPU/tile server {result['server_cpu_ms']} ms, PostgreSQL {result['db_cpu_ms']} ms, wrk "
        f"{result['wrk_cores']} cores, machine {result['machine_cores']} cores, new DB connections "
        f"{result['db_sessions_opened']:,}{flag}")
    return result


# -- the cases of one tileset ---------------------------------------------------------------------
def smoke(layer_set: LayerSet, running: dict[str, servers.Server]) -> None:
    for name, server in running.items():
        if layer_set.supports(name):
            (path,) = layer_set.paths([smoke_tile()], name)
            status, body = fetch_tiles(server.base_url, [path], concurrency=1)[path]
            if status != 200:
                raise RuntimeError(f"{name} answers {status} for {path}: {body[:300]!r}")


def run_set(layer_set: LayerSet, trace: list[Tile], running: dict[str, servers.Server], args: argparse.Namespace,
            set_index: int) -> dict[str, Any]:
    names = [name for name in running if layer_set.supports(name)]
    entry: dict[str, Any] = {"key": layer_set.key, "label": layer_set.label, "layers": list(layer_set.layer_ids),
                             "trace": {}, "largest": {}, "cached": {}, "light": {}}
    smoke(layer_set, running)
    for name in names:  # 1. the trace, cold
        entry["trace"][name] = measure(running[name], layer_set.paths(trace, name), "once", args,
                                       f"{layer_set.key} trace")
    distinct = list(dict.fromkeys(trace))
    fetched: dict[str, dict[str, tuple[int, bytes]]] = {}
    for name in names:  # 2. sizes (and the probe tiles)
        paths = layer_set.paths(distinct, name)
        started = time.perf_counter()
        fetched[name] = fetch_tiles(running[name].base_url, paths)
        entry["largest"][name] = largest_per_zoom(distinct, paths, fetched[name])
        biggest = max((v["bytes"] for v in entry["largest"][name].values()), default=0)
        log(f"[{layer_set.key} sizes] {name}: {len(paths):,} tiles in {time.perf_counter() - started:.1f} s, "
            f"largest {biggest / 1024:,.0f} KB")
    reference = names[0]
    probes = probe_tiles(distinct, layer_set.paths(distinct, reference), fetched[reference])
    entry["verification"] = verify(layer_set, probes, fetched)
    if entry["verification"]["note"]:
        log(f"[{layer_set.key} verify] {entry['verification']['note']}")
    ours = [name for name in names if name.startswith("onemap")]
    if ours:  # 3. cached: OneMap against the ceiling replaying OneMap's bytes
        paths = layer_set.paths(distinct, "onemap")
        table = args.workdir / f"ceiling-{layer_set.key}.bin"
        ceiling.write_tiles(table, {path: fetched[ours[0]][path][1] for path in paths})
        roof = ceiling.start(args.workdir, table)
        try:
            targets = {name: running[name] for name in ours} | {"ceiling": roof}
            for name, server in targets.items():
                entry["cached"][name] = measure(server, paths, "loop", args, f"{layer_set.key} cached", paths)
            if set_index == 0:
                fixed = [f"/fixed{path}" for path in paths]
                entry["cached"]["ceiling_fixed"] = measure(roof, fixed, "loop", args, "fixed 50 KB tile", fixed)
        finally:
            roof.stop()
    light = light_tiles(args.seed + 10 * set_index, args.light_tiles, set(trace))
    warm = light_tiles(args.seed + 10 * set_index + 5, max(2_000, args.light_tiles // 4), set(trace) | set(light))
    for name in names:  # 4. light tiles, each once
        entry["light"][name] = measure(running[name], layer_set.paths(light, name), "distinct", args,
                                       f"{layer_set.key} light z12-14", layer_set.paths(warm, name))
    return entry


def size_samples(sample_ids: list[str], trace: list[Tile], server: servers.Server) -> dict[str, Any]:
    distinct = list(dict.fromkeys(trace))
    layer_set = LayerSet("samples", "Jilin samples, all layers in one tile", tuple(sample_ids))
    paths = layer_set.paths(distinct, "onemap")
    largest = largest_per_zoom(distinct, paths, fetch_tiles(server.base_url, paths))
    biggest = max((v["bytes"] for v in largest.values()), default=0)
    log(f"[samples sizes] onemap: {len(paths):,} tiles, largest {biggest / 1024:,.0f} KB")
    return {"key": "samples", "label": layer_set.label, "layers": sample_ids, "largest": {"onemap": largest}}


# -- the run --------------------------------------------------------------------------------------
def start_servers(names: list[str], url: str, layers: list[Any], workdir: Path) -> dict[str, servers.Server]:
    running: dict[str, servers.Server] = {}
    try:
        for name in names:
            log(f"[servers] starting {name}")
            extra = {"ONEMAP_TILE_CACHE_DIR": str(workdir / f"tiles-{name}")} if name.startswith("onemap") else {}
            running[name] = servers.start(name, url, layers, workdir, extra_env=extra)
    except BaseException:
        for server in running.values():
            server.stop()
        raise
    return running


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    wrk_version = wrk.version()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    log(f"[bench] {wrk_version}; {uptime}")
    data = setup_data.build(args.admin_url, args.database, args.rows, args.seed)
    sample_ids = [] if args.no_samples else setup_data.ensure_samples(data.url)
    machine = report.machine_info(data.url)
    machine["uptime_at_start"] = uptime
    args.pg = psycopg.connect(data.url, autocommit=True)
    machine["wrk"] = "wrk " + wrk_version.split()[1].removeprefix("debian/") + " (Debian package)"
    trace = load_trace(args.trace_file, args.sessions)
    sets = {"lines": LayerSet("lines", "lines (1 layer)", (data.lines.id,)),
            "points": LayerSet("points", "points (1 layer)", (data.points.id,)),
            "composite": LayerSet("composite", "lines + points (composite)", (data.lines.id, data.points.id))}
    record: dict[str, Any] = {
        "command": "python -m benchmarks.tiles " + shlex.join(sys.argv[1:]),
        "machine": machine,
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                     if k not in ("workdir", "profile_dir", "pg")},
        "data": {"rows": args.rows, "seed": args.seed, "lines": data.lines.id, "points": data.points.id,
                 "samples": sample_ids},
        "trace": {"file": str(args.trace_file.relative_to(REPO)) if args.trace_file.is_relative_to(REPO)
                  else str(args.trace_file), "requests": len(trace), "distinct": len(set(trace)),
                  "zooms": sorted({t.z for t in trace})},
        "servers": {},
        "sets": [],
    }
    with tempfile.TemporaryDirectory(prefix="onemap-tiles-bench-") as tmp:
        args.workdir = Path(tmp)
        layers = [data.lines, data.points]
        running = start_servers(args.servers, data.url, layers, args.workdir)
        try:
            for name, server in running.items():
                kind = servers.kind_of(name)[0]
                record["servers"][name] = {"workers": server.workers, "version": machine["packages"].get(kind)}
            record["servers"]["ceiling"] = {"workers": 1, "version": machine["packages"].get("starlette")}
            for index, key in enumerate(args.sets):
                record["sets"].append(run_set(sets[key], trace, running, args, index))
            if sample_ids and "onemap" in running:
                record["samples"] = size_samples(sample_ids, trace, running["onemap"])
        finally:
            for server in running.values():
                server.stop()
            args.pg.close()
    record["load_average_at_end"] = list(os.getloadavg())
    record["elapsed_minutes"] = round((time.perf_counter() - started) / 60, 1)
    record["targets"] = tiles_report.targets(record)
    return record


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        wrk.require_wrk()
        if args.profile:
            tile_profile.require_py_spy()
    except (wrk.WrkMissing, RuntimeError) as exc:
        log(str(exc))
        raise SystemExit(2) from None
    args.trace_cap = 600
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on `kill` too
    record = run(args)
    report.write_json(args.json, record)
    tiles_report.write_markdown(args.output, record)
    met = [t["met"] for t in record["targets"] if t["met"] is not None]
    log(f"[done] {sum(met)}/{len(met)} targets met; {args.output} and {args.json} written "
        f"({record['elapsed_minutes']} min)")


if __name__ == "__main__":
    main()
