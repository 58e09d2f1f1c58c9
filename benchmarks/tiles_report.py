"""The tiles benchmark's record: targets met or not, and the markdown section of docs/benchmarks.md.

The section goes between `<!-- tiles:start -->` and `<!-- tiles:end -->` (text around the markers,
such as the Features section and any hand-written analysis, is kept); without the markers it is
appended under a "Tiles benchmark" heading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tiles.model import MAX_TILE_BYTES

START, END = "<!-- tiles:start -->", "<!-- tiles:end -->"
TITLES = {"onemap": "OneMap", "onemap_w2": "OneMap ×2", "tipg": "tipg", "ceiling": "ceiling (same bytes)",
          "ceiling_fixed": "ceiling (fixed 50 KB tile)"}
CACHED_SHARE, CACHED_P95_MS, VS_TIPG = 0.5, 10.0, 2.0


# -- targets --------------------------------------------------------------------------------------
def _ok(run: dict[str, Any] | None) -> bool:
    return bool(run and run.get("rps") and not run.get("errors") and run.get("complete", True))


def _ratio(ours: dict[str, Any] | None, theirs: dict[str, Any] | None) -> float | None:
    if not (_ok(ours) and _ok(theirs)):
        return None
    return round(ours["rps"] / theirs["rps"], 2)  # type: ignore[index]


def targets(record: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for entry in record["sets"]:
        cached = entry["cached"]
        share = _ratio(cached.get("onemap"), cached.get("ceiling"))
        if share is not None:
            p95 = cached["onemap"]["p95_ms"]
            out.append({"target": "cached ≥ 50% of ceiling, p95 < 10 ms", "set": entry["label"],
                        "measured": f"{share:.0%} of ceiling, p95 {p95} ms",
                        "met": share >= CACHED_SHARE and p95 < CACHED_P95_MS})
        for case, text in (("light", "uncached z12–14 ≥ 2× tipg"), ("trace", "pan-and-zoom trace ≥ 2× tipg")):
            ratio = _ratio(entry[case].get("onemap"), entry[case].get("tipg"))
            if ratio is not None:
                out.append({"target": text, "set": entry["label"], "measured": f"{ratio:.2f}×",
                            "met": ratio >= VS_TIPG})
    for entry in [*record["sets"], *([record["samples"]] if record.get("samples") else [])]:
        largest = entry["largest"].get("onemap")
        if largest:
            biggest = max(v["bytes"] for v in largest.values())
            out.append({"target": "largest tile ≤ 500 KB at every zoom", "set": entry["label"],
                        "measured": f"{biggest / 1024:,.0f} KB", "met": biggest <= MAX_TILE_BYTES})
    return out


# -- output ---------------------------------------------------------------------------------------
def write_markdown(path: Path, record: dict[str, Any]) -> None:
    body = render(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        path.write_text(f"{head}{START}\n{body}\n{END}{tail}", encoding="utf-8")
        return
    heading = "## Tiles: OneMap vs tipg vs a bare Starlette ceiling\n\n"
    path.write_text(f"{text.rstrip()}\n\n{heading}{START}\n{body}\n{END}\n".lstrip(), encoding="utf-8")


def _n(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    return [_row(header), "|" + "|".join(["---"] * len(header)) + "|", *(_row(r) for r in rows)]


def _flag(run: dict[str, Any]) -> str:
    if run.get("errors") or not run.get("complete", True):
        return " ⚠"
    return " ⚠ repeats" if run.get("wrapped") and run.get("mode") == "distinct" else ""


def _header_lines(record: dict[str, Any]) -> list[str]:
    m, s, t = record["machine"], record["settings"], record["trace"]
    titles = {**TITLES, "ceiling": "the ceiling app (Starlette"}
    servers = ", ".join(
        f"{titles.get(name, name)} {info['version'] or ''}{')' if name == 'ceiling' else ''} "
        f"({info['workers']} worker{'s' if info['workers'] > 1 else ''})".replace("  ", " ")
        for name, info in record["servers"].items())
    return [
        f"Run {m['date']} with `{record['command']}` ({record['elapsed_minutes']} min).",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu_model']}), {m['memory_gib']} GiB RAM, Linux {m['kernel']}, Python "
        f"{m['python']}; PostgreSQL {m['postgresql']} with PostGIS {m['postgis']} on the same machine "
        f"(shared_buffers {m['postgresql_settings']['shared_buffers']}, jit {m['postgresql_settings']['jit']}). "
        f"Load average at the start: {', '.join(f'{v:.2f}' for v in m['load_average_at_start'])}; at the end: "
        f"{', '.join(f'{v:.2f}' for v in record['load_average_at_end'])}.",
        "",
        f"Servers: {servers}; every one `uvicorn --workers N --no-access-log` (uvloop, httptools). tipg with its "
        "defaults (10,000 features per tile, 256-unit buffer, cramjam gzip level 6). The ceiling is "
        "`benchmarks/ceiling.py`: a bare Starlette app answering every URL from a dict in memory with the same "
        "gzip bytes OneMap sent for it (and, as the issue quotes it, a fixed ~50 KB tile).",
        "",
        f"Load generator: {m.get('wrk', 'wrk')}, {s['threads']} threads, {s['connections']} keep-alive "
        "connections, `Accept-Encoding: gzip`, walking URL lists with `benchmarks/walk.lua`; cached and light "
        f"runs last {s['duration']} s after {s['warmup']} s of warm-up. **wrk, the servers and PostgreSQL share the "
        "machine's cores**, so the absolute numbers are this machine's; compare within one run. The CPU columns "
        "give what a tile costs: the server's processes, and the whole PostgreSQL server (every backend, those "
        "a pool opened and closed during the run included), per tile.",
        "",
        f"Data: {record['data']['rows']:,} lines (`{record['data']['lines']}`) and {record['data']['rows']:,} points "
        f"(`{record['data']['points']}`) from `benchmarks/setup_data.py`, plus the {len(record['data']['samples'])} "
        f"Jilin sample layers. Trace: `{t['file']}`, {t['requests']:,} tile requests ({t['distinct']:,} distinct), "
        f"zooms {t['zooms'][0]}–{t['zooms'][-1]}.",
        "",
    ]


def _targets_lines(record: dict[str, Any]) -> list[str]:
    rows = [[t["target"], t["set"], t["measured"], "yes" if t["met"] else "**NO**"] for t in record["targets"]]
    met = sum(1 for t in record["targets"] if t["met"])
    return ["### Targets", "", *_table(["target", "tileset", "measured", "met"], rows), "",
            f"{met} of {len(record['targets'])} targets met.", ""]


def _runs_lines(record: dict[str, Any], case: str, title: str, intro: str, versus: str | None) -> list[str]:
    header = ["tileset", "server", "tiles" if case != "cached" else "requests", "tiles/s" if case != "cached"
              else "req/s", "p50 ms", "p95 ms", "p99 ms", "mean KB", "server CPU ms/tile", "PostgreSQL CPU ms/tile",
              "new DB connections", "wrk cores", versus or ""]
    rows = []
    for entry in record["sets"]:
        runs = entry[case]
        reference = runs.get(versus.split()[-1]) if versus else None
        for name, run in runs.items():
            ratio = _ratio(run, reference) if reference is not None and run is not reference else None
            share = f"{ratio:.0%}" if case == "cached" and ratio is not None else _n(ratio, 2) + ("×" if ratio else "")
            if name == "ceiling_fixed":
                share = ""
            rows.append([entry["label"], TITLES.get(name, name), f"{run['requests']:,}", _n(run["rps"]) + _flag(run),
                         _n(run["p50_ms"], 2), _n(run["p95_ms"], 2), _n(run["p99_ms"], 2), _n(run.get("mean_kb")),
                         _n(run.get("server_cpu_ms"), 2), _n(run.get("db_cpu_ms"), 2),
                         _n(run.get("db_sessions_opened"), 0), _n(run.get("wrk_cores"), 2),
                         share if reference is not None and run is not reference else ""])
    if not versus:
        header, rows = header[:-1], [r[:-1] for r in rows]
    return [f"### {title}", "", intro, "", *_table(header, rows), ""]


def _largest_lines(record: dict[str, Any]) -> list[str]:
    columns: list[tuple[str, dict[int, dict[str, Any]]]] = []
    for entry in [*record["sets"], *([record["samples"]] if record.get("samples") else [])]:
        for name, largest in entry["largest"].items():
            if name in ("onemap", "tipg"):
                columns.append((f"{entry['label']} {TITLES[name]}", {int(z): v for z, v in largest.items()}))
    zooms = sorted({z for _, largest in columns for z in largest})
    rows = []
    for z in zooms:
        row: list[Any] = [z]
        for _, largest in columns:
            v = largest.get(z)
            kb = None if v is None else v["bytes"] / 1024
            row.append("—" if kb is None else f"{kb:,.{1 if kb < 10 else 0}f}" + (" ✂" if v.get("capped") else ""))
        rows.append(row)
    features = []
    for label, largest in columns:
        parts = [f"z{z} {sum(v['features'].values()):,}" for z, v in sorted(largest.items())]
        features.append(f"- {label}: {', '.join(parts)}")
    return ["### Largest tile per zoom over the trace (gzip KB)", "",
            "Every distinct trace tile fetched once from each server; ✂ = a layer at tipg's 10,000-feature cap "
            f"(cut in id order, not by a map rule). OneMap's budget: {MAX_TILE_BYTES // 1024} KB.", "",
            *_table(["zoom", *(label for label, _ in columns)], rows), "",
            "Features in those largest tiles:", "", *features, ""]


def _profile_lines(record: dict[str, Any]) -> list[str]:
    profiled = [(entry["label"], case, run["profile"]) for entry in record["sets"]
                for case in ("trace", "cached", "light") for name, run in entry[case].items()
                if name == "onemap" and run.get("profile")]
    if not profiled:
        return []
    stages = list(dict.fromkeys(stage for _, _, p in profiled for stage in p["stages"]))
    header = ["% of samples", *(f"{label} {case} ({'GIL' if p.get('sampled', '').startswith('GIL') else 'wall'})"
                                for label, case, p in profiled)]
    rows = [[stage, *(_n(p["stages"].get(stage), 1) for _, _, p in profiled)] for stage in stages]
    tops = [f"- {label} {case}: " + "; ".join(f"{frame} {share}%" for frame, share in p["top_own"][:6])
            for label, case, p in profiled]
    return ["### Where OneMap's worker spends its time (py-spy)", "",
            "`--profile`: py-spy sampled the one-worker OneMap process during each measured run — cached runs only "
            "the thread holding the GIL (GIL: where the worker's Python CPU goes, the limit of a cached run), the "
            "others every active thread (wall: where requests spend their time, waits on PostgreSQL, the "
            "connection pool and idle pool threads included). Each sample is put in the first bucket found in "
            "its stack, so a column adds up to 100 %. Folded stacks in `benchmarks/results/profiles/`.", "",
            *_table(header, rows), "",
            "Top frames by own time:", "", *tops, ""]


def render(record: dict[str, Any]) -> str:
    lines = _header_lines(record) + _targets_lines(record)
    lines += _runs_lines(record, "trace", "Pan-and-zoom trace, cold cache",
                         "The whole trace once, in order, 32 requests in flight; OneMap starts with an empty cache "
                         "(tiles repeated across sessions then come from it, as on a real server); tiles/s = tiles "
                         "/ time until the last arrived.", "× tipg")
    lines += _runs_lines(record, "cached", "Cached tiles",
                         "The distinct trace tiles, already in OneMap's cache, requested round and round; the "
                         "ceiling sends the very same bytes for the same URLs.", "% of ceiling")
    lines += _runs_lines(record, "light", "Uncached light tiles, z12–14",
                         "Seeded random distinct tiles inside Jilin, never in the trace, each requested once "
                         "(OneMap renders and stores every one: a cache miss).", "× tipg")
    lines += _largest_lines(record)
    lines += _profile_lines(record)
    notes = [f"- {e['label']}: {e['verification']['note']}" for e in record["sets"] if e["verification"]["note"]]
    lines += ["Verification (probe tiles z8/10/12/14 decoded; at z14 every OneMap feature with a vertex inside "
              "the tile found in tipg's tile): " + ("all agree." if not notes else ""), *notes]
    return "\n".join(lines)
