"""The benchmark's record: machine description, CPU accounting, targets, JSON and the markdown table.

The markdown goes between `<!-- results:start -->` and `<!-- results:end -->` in the output file
when those markers exist (so hand-written analysis around them survives a rerun); otherwise the
file is written whole with the markers.
"""

from __future__ import annotations

import json
import os
import platform
import re
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa

SERVER_TITLES = {"onemap": "OneMap", "tipg": "tipg", "pygeoapi": "pygeoapi", "onemap_w2": "OneMap ×2",
                 "onemap_w4": "OneMap ×4", "onemap_exact": "OneMap, exact counts"}
TARGET_VS = {"tipg": 2.0, "pygeoapi": 5.0}
IMPORT_TARGET = 50_000
START, END = "<!-- results:start -->", "<!-- results:end -->"


# -- machine ------------------------------------------------------------------------------------
def machine_info(database_url: str) -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(re.search(r"^MemTotal:\s+(\d+)", meminfo, re.MULTILINE).group(1))  # type: ignore[union-attr]
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        pg = conn.execute(sa.text("SHOW server_version")).scalar()
        postgis = conn.execute(sa.text("SELECT postgis_lib_version()")).scalar()
        settings = {name: conn.execute(sa.text(f"SHOW {name}")).scalar()
                    for name in ("shared_buffers", "work_mem", "max_connections", "jit")}
    engine.dispose()
    versions = {}
    for package in ("tipg", "pygeoapi", "uvicorn", "fastapi", "starlette", "httpx", "SQLAlchemy", "psycopg"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu_model": model.group(1).strip() if model else platform.processor(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": pg,
        "postgis": postgis,
        "postgresql_settings": settings,
        "packages": versions,
        "load_average_at_start": list(os.getloadavg()),
    }


# -- CPU accounting -----------------------------------------------------------------------------
def process_cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def database_engine(database_url: str) -> sa.Engine:
    return sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1), pool_size=1)


def database_cpu_seconds(engine: sa.Engine) -> dict[int, float]:
    """CPU seconds of every backend connected to the benchmark database (other databases' work excluded)."""
    with engine.connect() as conn:
        pids = conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND pid <> pg_backend_pid()")).scalars().all()
    return {pid: process_cpu_seconds([pid]) for pid in pids}


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / ticks, total / ticks


# -- targets --------------------------------------------------------------------------------------
def ratios(runs: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    ours = runs.get("onemap")
    out: dict[str, float | None] = {}
    for other in TARGET_VS:
        theirs = runs.get(other)
        ok = (ours and theirs and ours["rps"] and theirs["rps"] and not theirs.get("errors")
              and theirs.get("valid", True))
        out[other] = round(ours["rps"] / theirs["rps"], 2) if ok else None  # type: ignore[index]
    return out


def target_met(ratio: dict[str, float | None]) -> bool | None:
    checked = [(r, TARGET_VS[name]) for name, r in ratio.items() if r is not None]
    if not checked:
        return None
    return all(r >= goal for r, goal in checked)


# -- output ---------------------------------------------------------------------------------------
def write_json(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_markdown(path: Path, record: dict[str, Any]) -> None:
    body = render(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if START in text and END in text:
            head, rest = text.split(START, 1)
            tail = rest.split(END, 1)[1]
            path.write_text(f"{head}{START}\n{body}\n{END}{tail}", encoding="utf-8")
            return
    path.write_text(f"# Features benchmark\n\n{START}\n{body}\n{END}\n", encoding="utf-8")


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _server_text(name: str, info: dict[str, Any]) -> str:
    workers = info["workers"]
    version = f" {info['version']}" if info.get("version") else ""
    return f"{SERVER_TITLES.get(name, name)}{version} ({workers} worker{'s' if workers > 1 else ''})"


def _cpu_table(record: dict[str, Any], servers: list[str]) -> list[str]:
    """CPU milliseconds per request, server process / PostgreSQL backends — less sensitive to other load."""
    header = ["case", "clients", *(f"{SERVER_TITLES.get(name, name)} server / PostgreSQL" for name in servers)]
    out = ["CPU per request in ms (server process / PostgreSQL backends of the benchmark database), warm-up "
           "included — what a request costs, whatever else runs on the machine. Parallel-query workers are "
           "short-lived processes and not counted, so scans PostgreSQL parallelizes (the CQL2 counts) cost more "
           "than shown:", "",
           "| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for entry in record["cases"]:
        for clients, runs in entry["runs"].items():
            cells = [entry["label"], clients]
            for name in servers:
                run = runs.get(name)
                cells.append("n/a" if run is None or "server_cpu_ms" not in run
                             else f"{run['server_cpu_ms']:.1f} / {run['db_cpu_ms']:.1f}")
            out.append("| " + " | ".join(cells) + " |")
    return out


def render(record: dict[str, Any]) -> str:
    m = record["machine"]
    s = record["settings"]
    lines = [
        f"Run {m['date']} with `{record['command']}`.",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu_model']}), {m['memory_gib']} GiB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}; PostgreSQL {m['postgresql']} with PostGIS {m['postgis']} on the same machine "
        f"(shared_buffers {m['postgresql_settings']['shared_buffers']}, jit {m['postgresql_settings']['jit']}). "
        f"Load average when the run started: {', '.join(f'{v:.2f}' for v in m['load_average_at_start'])}.",
        "",
        "Servers: " + ", ".join(_server_text(name, info) for name, info in record["servers"].items())
        + ", each under uvicorn (uvloop, httptools, no access log). "
        f"Load: {s['duration']} s per case after {s['warmup']} s warm-up, HTTP/1.1 keep-alive clients "
        f"(httpx + asyncio, one process) sending `Accept-Encoding: {s['encoding']}`; the load generator, "
        "the servers and PostgreSQL share the same cores.",
        "",
    ]
    data = record["data"]
    imp = data.get("import")
    if imp:
        met = "yes" if imp["rows_per_s"] >= IMPORT_TARGET else "**NO**"
        lines += [
            f"Import: {imp['written']:,} points from a GeoPackage into PostGIS with `{imp['method']}` in "
            f"{imp['seconds']:.1f} s = **{imp['rows_per_s']:,} rows/s** (target ≥ {IMPORT_TARGET:,}: {met}; "
            f"{imp['rejected']:,} rejected).",
            "",
        ]
    rates = ", ".join(f"{k} {v:,.0f} rows/s" for k, v in data["build_rates"].items() if v)
    if rates:
        lines += [f"Table build through `PostgisStore.insert` (records made in Python): {rates}.", ""]
    servers = list(record["servers"])
    header = ["case", "clients"]
    for name in servers:
        header += [f"{SERVER_TITLES.get(name, name)} req/s", "p95 ms"]
    header += ["× tipg", "× pygeoapi", "target met"]
    lines += ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for entry in record["cases"]:
        for clients, runs in entry["runs"].items():
            row = [entry["label"], clients]
            for name in servers:
                run = runs.get(name)
                if run is None:
                    row += ["n/a", ""]
                    continue
                flag = "" if not run.get("errors") and run.get("valid", True) else " ⚠"
                row += [_num(run["rps"]) + flag, _num(run["p95_ms"])]
            ratio = entry["ratios"][clients]
            met = entry["met"][clients]
            row += [_num(ratio.get("tipg"), 2), _num(ratio.get("pygeoapi"), 1),
                    "—" if met is None else ("yes" if met else "**NO**")]
            lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Targets: ≥ 2× tipg's throughput where tipg supports the case, ≥ 5× pygeoapi's. "
              "⚠: errors or result counts that disagree with OneMap's (see the JSON).", ""]
    lines += _cpu_table(record, servers)
    notes = [f"- {entry['label']}: {entry['verification']['note']}"
             for entry in record["cases"] if entry["verification"].get("note")]
    if notes:
        lines += ["", "Verification notes:", "", *notes]
    met_all = [v for e in record["cases"] for v in e["met"].values() if v is not None]
    lines += ["", f"Summary: {sum(met_all)} of {len(met_all)} measured cases meet the throughput targets."]
    return "\n".join(lines)
