"""`python -m benchmarks.packages`: offline package builds from PostGIS (issue 7 point 7).

Data: every domain's Jilin samples (`onemap load-samples`, vehicle positions limited to two hours —
packages do not carry them) in the PostGIS database `--database` (default `onemap_packages_bench`;
loading is idempotent). Packages hold every sample layer that has tiles (all but position tracks).

Measured, each a real `build_package` with the default worker count (one per core):

- **z10–14, Changchun, an inspector's package** (the base map and the hazards layers, `FIELD_LAYERS`):
  tiles/s over the tiles planned (empty ones included — the renderer is asked for each), target
  ≥ 1,000/s; and the same area with **every sample layer** in each tile, for comparison;
- **the province, z5–14**: the whole package, target under 5 minutes;
- **patch after 10 edits**: 10 hazard points moved by ~50 m, `build_patch` against the province
  package: tiles in the patch and bytes, against the package (target: a few dozen tiles, not a
  rebuild); the edits are moved back afterwards.

Writes the section between `<!-- packages:start -->` and `<!-- packages:end -->` of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.enc import machine
from benchmarks.sections import write_section
from benchmarks.setup_data import ensure_database
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tiles.packages.build import build_package
from tiles.packages.requests import build_request
from tiles.packages.update import build_patch

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "benchmarks" / "results" / "packages.json"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
EDITED_LAYER = "haz_hazards"
#: What an inspector takes into the field: the base map and the hazards domain.
FIELD_LAYERS = "prefectures,cities,roads,stakes,bridges,toll_stations,service_areas,haz_hazards,haz_risk_points"
TARGET_RATE, TARGET_PROVINCE_S = 1000.0, 300.0


def log(message: str) -> None:
    print(f"[packages] {message}", file=sys.stderr, flush=True)


def load_samples(url: str) -> float:
    started = time.perf_counter()
    env = {**os.environ, "ONEMAP_DATABASE_URL": url, "ONEMAP_SAMPLE_POSITION_HOURS": "2"}
    subprocess.run([sys.executable, "-m", "gis_server.cli.main", "load-samples"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def package_layers(url: str) -> str:
    store = open_store(url)
    try:
        ids = [layer.id for layer in store.load_layer_definitions()
               if "position" not in layer.id and not layer.id.startswith("bench_")]
    finally:
        store.close()
    return ",".join(ids)


def build(url: str, area: str, zooms: str, layers: str, out: Path) -> dict[str, Any]:
    store = open_store(url)
    try:
        request = build_request(area=area, zooms=zooms, layers=layers, fmt="mbtiles", out=out, builder="benchmark",
                                store=store, registered=store.load_layer_definitions())
    finally:
        store.close()
    started = time.perf_counter()
    report = build_package(request, url)
    seconds = time.perf_counter() - started
    if report.errors or report.manifest is None:
        raise SystemExit(f"build failed: {report.errors}")
    return {"area": area, "zooms": zooms, "layers": len(request.layers), "planned": report.total_tiles,
            "stored": report.stored_tiles, "seconds": round(seconds, 2),
            "tiles_per_s": round(report.total_tiles / seconds, 1), "bytes": out.stat().st_size}


def move(url: str, count: int, dx: float) -> None:
    """Move the first `count` points of the edited layer east by `dx` degrees."""
    store = open_store(url)
    try:
        layer = next(layer for layer in store.load_layer_definitions() if layer.id == EDITED_LAYER)
        moved = 0
        for batch in store.iter_records(layer, batch_size=count):
            for feature in batch[:count]:
                x, y = feature.geometry["coordinates"][:2]  # type: ignore[index]
                from shapely.geometry import Point

                store.replace(layer, feature.fid, FeatureRecord(Point(x + dx, y), feature.properties),
                              expected_version=feature.version)
                moved += 1
            break
        assert moved == count, moved
    finally:
        store.close()


def patch(url: str, package: Path, workdir: Path) -> dict[str, Any]:
    move(url, 10, 0.0006)  # ~50 m at 43.8° N
    try:
        out = workdir / "patch.mbtiles"
        started = time.perf_counter()
        report = build_patch(package, url, out)
        seconds = time.perf_counter() - started
    finally:
        move(url, 10, -0.0006)
    return {"edits": 10, "candidates": report.candidates, "changed": report.changed, "deleted": report.deleted,
            "bytes": out.stat().st_size, "package_bytes": package.stat().st_size, "seconds": round(seconds, 2)}


def render(record: dict[str, Any]) -> str:
    m, r = record["machine"], record["results"]
    field, city, province, diff = r["field"], r["changchun"], r["province"], r["patch"]
    rate_ok = field["tiles_per_s"] >= TARGET_RATE
    time_ok = province["seconds"] < TARGET_PROVINCE_S
    lines = [
        f"## Offline packages (run {m['date']})",
        "",
        f"`python -m benchmarks.packages`. Machine: {m['nproc']} cores ({m['cpu']}), Linux {m['kernel']}, "
        f"Python {m['python']}; load average at the start {', '.join(str(v) for v in m['load_average_at_start'])}. "
        f"PostgreSQL with PostGIS on the same machine; MBTiles; "
        f"one worker process per core. Sample load (or the check that it is there): {record['load_seconds']:.0f} s.",
        "",
        "| build | zooms | tiles planned | stored (non-empty) | time | tiles/s | file | target | met |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| Changchun (长春市), inspector's package ({field['layers']} layers) | {field['zooms']} | "
        f"{field['planned']:,} | {field['stored']:,} | {field['seconds']:.1f} s | {field['tiles_per_s']:,.0f} | "
        f"{field['bytes'] / 1e6:.1f} MB | ≥ 1,000 tiles/s | {'yes' if rate_ok else '**no**'} |",
        f"| Changchun (长春市), every layer ({city['layers']}) | {city['zooms']} | {city['planned']:,} | "
        f"{city['stored']:,} | {city['seconds']:.1f} s | {city['tiles_per_s']:,.0f} | {city['bytes'] / 1e6:.1f} MB | "
        "(for comparison) | |",
        f"| the province, every layer ({province['layers']}) | {province['zooms']} | {province['planned']:,} | "
        f"{province['stored']:,} | "
        f"{province['seconds']:.1f} s | {province['tiles_per_s']:,.0f} | {province['bytes'] / 1e6:.1f} MB | "
        f"< 5 min | {'yes' if time_ok else '**no**'} |",
        "",
        f"Patch after moving {diff['edits']} hazard points by ~50 m: {diff['candidates']} tiles checked, "
        f"**{diff['changed']} changed** and {diff['deleted']} removed; patch {diff['bytes'] / 1024:.0f} KB against "
        f"a {diff['package_bytes'] / 1e6:.1f} MB package; {diff['seconds']:.1f} s.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--database", default="onemap_packages_bench")
    parser.add_argument("--docs", type=Path, default=DOCS)
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    url = ensure_database(args.admin_url, args.database, log)
    log("samples …")
    loaded = load_samples(url)
    layers = package_layers(url)
    record: dict[str, Any] = {"machine": machine(), "load_seconds": loaded, "results": {}}
    with tempfile.TemporaryDirectory(prefix="onemap-packages-") as scratch:
        workdir = Path(scratch)
        log("Changchun z10-14, field package …")
        record["results"]["field"] = build(url, "长春市", "10-14", FIELD_LAYERS, workdir / "field.mbtiles")
        log("Changchun z10-14, every layer …")
        record["results"]["changchun"] = build(url, "长春市", "10-14", layers, workdir / "changchun.mbtiles")
        log("province z5-14 …")
        province = workdir / "province.mbtiles"
        record["results"]["province"] = build(url, "121.6,40.8,131.4,46.4", "5-14", layers, province)
        log("patch …")
        record["results"]["patch"] = patch(url, province, workdir)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    write_section(args.docs, "packages", render(record))
    print(render(record))


if __name__ == "__main__":
    main()
