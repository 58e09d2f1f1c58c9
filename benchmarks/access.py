"""`python -m benchmarks.access`: what authorization and masking cost per request (issue 8 point 7).

Target: "authorization and masking add under 1 ms per request at p50 and keep Features and
cached-tile throughput within 10% of the unauthenticated figures".

Data (`access_data.py`): two PostGIS layers with the same rows (default 200,000 points over Jilin) —
`bench_open` (public, no rules) and `bench_guarded` (role `inspector`, rows by `adcode` region,
`plate` masked, `internal_note` for `lead` only). One OneMap server (`uvicorn`, one worker). Three
callers, all reading the same rows of Changchun (220100):

- **baseline**: anonymous on `bench_open`;
- **jwt**: the account `bench.inspector` (roles inspector, region 220100) with a platform token
  from `POST /auth/token`, on `bench_guarded`;
- **key**: an API key scoped `bench_guarded:read` (inspector, 220100), on `bench_guarded`.

Cases: item pages of 10 and of 100 features in random 0.25° boxes inside Changchun (a new box for
every request, so no page or count cache answers), and cached tiles (z10–12 over Changchun, every
tile requested once per caller before measuring). Per case:

- **latency**: one sequential client, the callers' requests interleaved one by one (baseline, jwt,
  key, baseline, …) so drift hits all three alike; p50/p95 per caller; overhead = p50(caller) −
  p50(baseline);
- **throughput**: `wrk` (walk.lua, loop mode, the caller's `Authorization` header) with
  `--connections` keep-alive connections for `--duration` s per caller, cut into `--slices` runs
  with the callers alternating; req/s, p50 under load, server and PostgreSQL CPU per request;
  ratio to the baseline.

Each is repeated `--rounds` times (default 3) and the median taken. Also measured in-process
(`access_micro.py`): `authenticate`, `AccessPolicy.view` and the store's page query with and without
the view. Progress on stderr; JSON to `benchmarks/results/access.json` and the section `access` of
docs/benchmarks.md (`--quick`: `var/benchmarks/access-quick.json`, no section unless `--docs`).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks import access_data, access_micro, servers, wrk
from benchmarks.access_data import GUARDED, OPEN
from benchmarks.access_report import render, summarise
from benchmarks.report import database_cpu_seconds, database_engine, machine_info, process_cpu_seconds
from benchmarks.sections import write_section

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "benchmarks" / "results" / "access.json"
QUICK_RESULTS = ROOT / "var" / "benchmarks" / "access-quick.json"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_DATABASE = "onemap_access_bench"
ADMIN_TOKEN = "benchmark-access-admin-token"
TOKEN_SECRET = "benchmark-access-token-secret-0123456789abcdef"  # the bench server's signing secret
ACCOUNT, PASSWORD, REGION = "bench.inspector", "bench-inspector-password", access_data.CHANGCHUN
KEY_NAME = "bench-access"
MASKED_PLATE = re.compile(r"^吉[A-Z]\*\*\*\d\d$")


def log(message: str) -> None:
    print(f"[access] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Caller:
    name: str
    layer_id: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Case:
    name: str
    limit: int | None  # None: tiles


CASES = (Case("items_10", 10), Case("items_100", 100), Case("tiles", None))


# -- callers --------------------------------------------------------------------------------------
def make_callers(base_url: str) -> list[Caller]:
    """The account (created, or its password and roles reset), a fresh API key, and the three callers."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=base_url, headers=admin, timeout=60) as client:
        created = client.post("/admin/identity/users", json={
            "name": ACCOUNT, "password": PASSWORD, "roles": ["inspector"], "region": REGION,
            "display_name": "基准测试检查员"})
        if created.status_code == 409:
            _ok(client.put(f"/admin/identity/users/{ACCOUNT}/password", json={"password": PASSWORD}))
            _ok(client.put(f"/admin/identity/users/{ACCOUNT}/roles", json={"roles": ["inspector"]}))
            account = _ok(client.get(f"/admin/identity/users/{ACCOUNT}"))
            if account.get("region") != REGION:
                raise SystemExit(f"account {ACCOUNT} exists with region {account.get('region')}, not {REGION}")
        else:
            _ok(created)
        for key in _ok(client.get("/admin/identity/keys"))["keys"]:
            if key["name"] == KEY_NAME and key["state"] == "active":
                _ok(client.delete(f"/admin/identity/keys/{key['id']}"))
        issued = _ok(client.post("/admin/identity/keys", json={
            "name": KEY_NAME, "scopes": [f"{GUARDED}:read"], "roles": ["inspector"], "region": REGION}))
        token = _ok(client.post("/auth/token", json={"username": ACCOUNT, "password": PASSWORD}))
    return [Caller("baseline", OPEN, {}),
            Caller("jwt", GUARDED, {"Authorization": f"Bearer {token['access_token']}"}),
            Caller("key", GUARDED, {"Authorization": f"Bearer {issued['key']}"})]


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise SystemExit(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                         f"{response.text[:500]}")
    return response.json()


def verify(base_url: str, callers: list[Caller], box: float) -> dict[str, Any]:
    """Every caller gets the same rows; the guarded ones see `plate` masked and no `internal_note`."""
    minx, miny = access_data.CITY_AREA[:2]
    bbox = f"{minx + 0.3},{miny + 0.3},{minx + 0.3 + box},{miny + 0.3 + box}"
    seen: dict[str, Any] = {}
    tile = access_data.tile_paths("x")[0].removeprefix("/collections/x")
    for caller in callers:
        with httpx.Client(base_url=base_url, headers=caller.headers, timeout=60) as client:
            page = _ok(client.get(f"/collections/{caller.layer_id}/items", params={"bbox": bbox, "limit": 100}))
            answer = client.get(f"/collections/{caller.layer_id}{tile}")
        first = page["features"][0]["properties"]
        seen[caller.name] = {"number_matched": page.get("numberMatched"), "number_returned": page["numberReturned"],
                             "fields": sorted(first), "plate": first["plate"], "tile_status": answer.status_code,
                             "tile_cache_control": answer.headers.get("cache-control")}
    base = seen["baseline"]
    problems = []
    for name, got in seen.items():
        if (got["number_matched"], got["number_returned"]) != (base["number_matched"], base["number_returned"]):
            problems.append(f"{name}: {got['number_matched']}/{got['number_returned']} rows, baseline "
                            f"{base['number_matched']}/{base['number_returned']}")
        if got["tile_status"] != 200:
            problems.append(f"{name}: tile answered {got['tile_status']}")
        guarded = name != "baseline"
        if guarded and ("internal_note" in got["fields"] or not MASKED_PLATE.match(got["plate"])):
            problems.append(f"{name}: not masked/hidden as declared: {got}")
        if not guarded and ("internal_note" not in got["fields"] or MASKED_PLATE.match(got["plate"])):
            problems.append(f"{name}: the open layer is masked: {got}")
    if base["number_returned"] < 100:
        problems.append(f"a {box}° box holds only {base['number_returned']} rows: pages of 100 are not full")
    if problems:
        raise SystemExit("verification failed:\n  " + "\n  ".join(problems))
    return seen


# -- latency --------------------------------------------------------------------------------------
def case_paths(case: Case, caller: Caller, seed: list[int], n: int, box: float, tiles: list[str]) -> list[str]:
    if case.limit is not None:
        return access_data.items_paths(caller.layer_id, case.limit, seed, n, box)
    prefix = f"/collections/{caller.layer_id}"
    return [prefix + tiles[i % len(tiles)] for i in range(n)]


def latency_round(base_url: str, callers: list[Caller], paths: dict[str, list[str]]) -> dict[str, Any]:
    """One sequential client; request i of every caller in turn; p50/p95 per caller (ms)."""
    clients = {c.name: httpx.Client(base_url=base_url, headers={**c.headers, "Accept-Encoding": "gzip"}, timeout=60)
               for c in callers}
    times: dict[str, list[float]] = {c.name: [] for c in callers}
    errors = dict.fromkeys(times, 0)
    try:
        for i in range(len(paths[callers[0].name])):
            for caller in callers:
                started = time.perf_counter()
                with clients[caller.name].stream("GET", paths[caller.name][i]) as response:
                    for _ in response.iter_raw():
                        pass
                times[caller.name].append((time.perf_counter() - started) * 1000)
                errors[caller.name] += response.status_code != 200
    finally:
        for client in clients.values():
            client.close()
    return {name: {"p50_ms": round(statistics.median(values), 3),
                   "p95_ms": round(statistics.quantiles(values, n=20)[-1], 3),
                   "requests": len(values), "errors": errors[name]} for name, values in times.items()}


def warm(base_url: str, callers: list[Caller], tiles: list[str], seed: int, n: int, box: float) -> None:
    """Each caller's connection, token cache and view, and every tile once per caller (into the cache)."""
    for caller in callers:
        paths = [p for case in CASES if case.limit is not None
                 for p in case_paths(case, caller, [seed, 2, case.limit], n, box, tiles)]
        paths += [f"/collections/{caller.layer_id}{tile}" for tile in tiles]
        with httpx.Client(base_url=base_url, headers=caller.headers, timeout=120) as client:
            for path in paths:
                response = client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"warm-up: {caller.name} {path}: {response.status_code} {response.text[:300]}")


# -- throughput -----------------------------------------------------------------------------------
def throughput_run(server: servers.Server, caller: Caller, paths: list[str], args: argparse.Namespace,
                   workdir: Path, label: str, engine: Any) -> dict[str, Any]:
    """One wrk run of one caller, with the server's and PostgreSQL's CPU per request."""
    cpu0, db0 = process_cpu_seconds(server.pids), database_cpu_seconds(engine)
    result = wrk.run(server.base_url, paths, "loop", workdir, connections=args.connections,
                     duration=args.duration / args.slices, label=label, headers=caller.headers)
    cpu1, db1 = process_cpu_seconds(server.pids), database_cpu_seconds(engine)
    requests = max(result["requests"], 1)
    result["server_cpu_ms"] = round((cpu1 - cpu0) * 1000 / requests, 3)
    result["db_cpu_ms"] = round(sum(v - db0.get(pid, 0.0) for pid, v in db1.items()) * 1000 / requests, 3)
    return result


def throughput_round(server: servers.Server, callers: list[Caller], case: Case, k: int, r: int,
                     args: argparse.Namespace, box: float, tiles: list[str], workdir: Path,
                     engine: Any) -> dict[str, Any]:
    """One round: each caller's `--duration` seconds cut into `--slices` wrk runs, callers alternating
    slice by slice (baseline, jwt, key, baseline, …); per caller the slices added up."""
    slices: dict[str, list[dict[str, Any]]] = {c.name: [] for c in callers}
    for s in range(args.slices):
        for i, caller in enumerate(callers):
            if case.limit is not None:
                paths = case_paths(case, caller, [args.seed, 1, k, r, i, s], args.paths, box, tiles)
            else:
                paths = [f"/collections/{caller.layer_id}{t}" for t in tiles]
            result = throughput_run(server, caller, paths, args, workdir, f"{case.name}-{caller.name}", engine)
            if case.limit is not None and result["wrapped"]:
                log(f"  warning: the path list wrapped {result['wrapped']} times (raise --paths)")
            slices[caller.name].append(result)
    out = {}
    for name, runs in slices.items():
        requests, seconds = sum(x["requests"] for x in runs), sum(x["seconds"] for x in runs)
        out[name] = {
            "requests": requests, "seconds": round(seconds, 3), "rps": round(requests / seconds, 1),
            "p50_ms": round(statistics.median(x["p50_ms"] for x in runs), 3),
            "p95_ms": round(statistics.median(x["p95_ms"] for x in runs), 3),
            "server_cpu_ms": round(sum(x["server_cpu_ms"] * x["requests"] for x in runs) / max(requests, 1), 3),
            "db_cpu_ms": round(sum(x["db_cpu_ms"] * x["requests"] for x in runs) / max(requests, 1), 3),
            "errors": sum(x["errors"] for x in runs), "wrapped": sum(x["wrapped"] for x in runs),
            "mean_kb": runs[0]["mean_kb"], "slices": [x["rps"] for x in runs]}
    log(f"throughput {case.name}, round {r + 1}/{args.rounds}: " + ", ".join(
        f"{n} {v['rps']:,.0f} req/s (CPU {v['server_cpu_ms']:.3f} ms/req)" for n, v in out.items()))
    return out


# -- the run --------------------------------------------------------------------------------------
def run(args: argparse.Namespace, data: access_data.AccessData, workdir: Path) -> tuple[dict[str, Any], list[Caller]]:
    """The HTTP measurements (the record's `verification`, `latency`, `throughput`) and the callers."""
    env = {"ONEMAP_ANONYMOUS_READ": "all", "ONEMAP_ADMIN_TOKEN": ADMIN_TOKEN, "ONEMAP_TOKEN_SECRET": TOKEN_SECRET,
           "ONEMAP_TILE_CACHE_DIR": "off", "ONEMAP_SWEEP_SECONDS": "0"}
    box = access_data.box_size(args.rows)
    tiles = [p.removeprefix("/collections/x") for p in access_data.tile_paths("x")]
    log("starting the server …")
    server = servers.start("onemap", data.url, [data.open_layer], workdir, extra_env=env)
    engine = database_engine(data.url)
    record: dict[str, Any] = {"latency": {}, "throughput": {}}
    try:
        callers = make_callers(server.base_url)
        record["verification"] = verify(server.base_url, callers, box)
        log(f"warming up ({len(tiles)} tiles per caller) …")
        warm(server.base_url, callers, tiles, args.seed, args.warmup, box)
        for k, case in enumerate(CASES):
            rounds = []
            for r in range(args.rounds):
                log(f"latency {case.name}, round {r + 1}/{args.rounds}: {args.requests} requests per caller …")
                paths = {c.name: case_paths(case, c, [args.seed, 0, k, r, i], args.requests, box, tiles)
                         for i, c in enumerate(callers)}
                rounds.append(latency_round(server.base_url, callers, paths))
                log("  " + ", ".join(f"{n} p50 {v['p50_ms']:.2f} ms" for n, v in rounds[-1].items()))
            record["latency"][case.name] = rounds
        for k, case in enumerate(CASES):
            record["throughput"][case.name] = [
                throughput_round(server, callers, case, k, r, args, box, tiles, workdir, engine)
                for r in range(args.rounds)]
    finally:
        server.stop()
        engine.dispose()
    return record, callers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--rows", type=int, help="rows per layer (default 200,000; --quick: 20,000)")
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer rows, requests and seconds, 1 round")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--seed", type=int, default=access_data.DEFAULT_SEED)
    parser.add_argument("--rounds", type=int, help="repetitions of every measurement (default 3; --quick 1)")
    parser.add_argument("--requests", type=int, help="sequential requests per caller and round (default 2,000)")
    parser.add_argument("--duration", type=float, help="seconds of each wrk run (default 15)")
    parser.add_argument("--slices", type=int, default=3,
                        help="wrk runs each caller's --duration is cut into, callers alternating (default 3)")
    parser.add_argument("--connections", type=int, default=12, help="wrk's keep-alive connections (default 12)")
    parser.add_argument("--paths", type=int, help="distinct item paths per wrk run (default 10,000)")
    parser.add_argument("--warmup", type=int, default=100, help="warm-up item requests per caller and case")
    parser.add_argument("--calls", type=int, help="in-process calls per timing (default 10,000)")
    parser.add_argument("--json", type=Path, help=f"default {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--docs", type=Path, help=f"default {DOCS.relative_to(ROOT)} (--quick: none)")
    parser.add_argument("--from-json", type=Path, metavar="PATH",
                        help="measure nothing: write the section again from a saved record (to --docs)")
    args = parser.parse_args(argv)
    if args.from_json is not None:
        text = render(json.loads(args.from_json.read_text(encoding="utf-8")))
        write_section(args.docs or DOCS, "access", text)
        print(text)
        return
    quick = args.quick
    defaults = {"rows": (20_000, access_data.DEFAULT_ROWS), "rounds": (1, 3), "requests": (300, 2000),
                "duration": (3.0, 15.0), "paths": (3000, 10_000), "calls": (2000, 10_000)}
    for name, (small, full) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, small if quick else full)
    json_path = args.json or (QUICK_RESULTS if quick else RESULTS)
    docs_path = args.docs or (None if quick else DOCS)
    wrk.require_wrk()

    host = machine_info(access_data.ensure_database(args.admin_url, args.database, log))
    data = access_data.build(args.admin_url, args.database, args.rows, args.seed, log)
    with tempfile.TemporaryDirectory(prefix="onemap-access-") as scratch:
        record, callers = run(args, data, Path(scratch))
    log(f"in-process timings ({args.calls:,} calls each) …")
    tokens = {c.name: c.headers.get("Authorization", "").removeprefix("Bearer ") for c in callers}
    record["in_process"] = access_micro.measure(
        data.url, admin_token=ADMIN_TOKEN, token_secret=TOKEN_SECRET, jwt=tokens["jwt"],
        key=tokens["key"], open_layer=data.open_layer, guarded=data.guarded, calls=args.calls,
        queries=min(args.requests, 500), box=access_data.box_size(args.rows), seed=args.seed)
    record.update({"machine": host, "rows": args.rows, "build_seconds": data.build_seconds,
                   "config": {k: getattr(args, k) for k in ("seed", "rounds", "requests", "duration", "slices",
                                                             "connections", "paths", "warmup", "calls")}
                   | {"box_deg": access_data.box_size(args.rows), "tiles": len(access_data.tile_paths("x")),
                      "wrk": " ".join(wrk.version().split()[:2])}})
    record["summary"] = summarise(record)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    text = render(record)
    if docs_path is not None:
        write_section(docs_path, "access", text)
        log(f"wrote the section `access` of {docs_path}")
    log(f"wrote {json_path}")
    print(text)


if __name__ == "__main__":
    main()
