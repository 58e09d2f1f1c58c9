"""The benchmark tables: a database with PostGIS, a line layer and a point layer built through OUR store.

Data is deterministic (numpy `default_rng(seed)`), spread uniformly over Jilin (121.6–131.3°E,
40.9–46.3°N) and stored in EPSG:4490: lines of 2–5 vertices, 1–5 km long, with a gently turning
heading; points. Every feature has `name` (text), `category` (code A–E), `value` (0–100, two
decimals) and `observed_at` (a UTC timestamp in 2023–2024, the layer's temporal field).

Layers are registered with `LayerRegistry` and filled with `PostgisStore.insert`, so the tables
are exactly what the OneMap server serves; tipg and pygeoapi read the same tables. Layer ids carry
the size (`bench_lines_1m`, `bench_points_20k`), and a layer whose definition and row count
already match is reused, so a rerun does not rebuild a million rows.

Also measured here: importing N points from a GeoPackage (written with pyogrio) through
`layers.io.importer.import_file` — the whole pipeline: read, validate, COPY, commit.

`python -m benchmarks.setup_data --rows 20000` builds the tables without running the benchmark.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa

from layers.errors import LayerNotFound
from layers.model import CodeListEntry, FieldSpec, FieldType, GeometryType, LayerDefinition
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord, FeatureStore

JILIN = (121.6, 40.9, 131.3, 46.3)
CATEGORIES = ("A", "B", "C", "D", "E")
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_DATABASE = "onemap_bench"
DEFAULT_SEED = 20240901
#: Bumped when the generated data changes, so old tables are rebuilt.
DATA_REVISION = 1
_CHUNK = 50_000
_KM_PER_DEGREE = 111.32
_T0 = datetime(2023, 1, 1, tzinfo=UTC).timestamp()
_T_SPAN = 2 * 365 * 86_400

Log = Callable[[str], None]


def log_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class BenchData:
    """Where the benchmark tables are and what they hold."""

    url: str  # postgresql://… of the benchmark database (no driver suffix)
    lines: LayerDefinition
    points: LayerDefinition
    rows: int
    seed: int
    build_rates: dict[str, float | None]  # layer id → rows/s of the build (None: reused)


# -- database ------------------------------------------------------------------------------------
def database_url(admin_url: str, name: str) -> str:
    url = sa.make_url(admin_url).set(drivername="postgresql", database=name)
    return url.render_as_string(hide_password=False)


def ensure_database(admin_url: str, name: str, log: Log = log_stderr) -> str:
    """Create the database (and the postgis extension) if missing; its URL."""
    admin = sa.create_engine(sa.make_url(admin_url).set(drivername="postgresql+psycopg"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists is None:
            log(f"[setup] creating database {name}")
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = database_url(admin_url, name)
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    return url


# -- layer definitions ---------------------------------------------------------------------------
def size_label(rows: int) -> str:
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}m"
    if rows % 1_000 == 0:
        return f"{rows // 1_000}k"
    return str(rows)


def layer_definition(kind: str, rows: int, seed: int, prefix: str = "bench") -> LayerDefinition:
    """`kind` is "lines" or "points"; the description records what was generated."""
    geometry = GeometryType.LINESTRING if kind == "lines" else GeometryType.POINT
    title = "基准测试线" if kind == "lines" else "基准测试点"
    return LayerDefinition(
        id=f"{prefix}_{kind}_{size_label(rows)}",
        title_zh=f"{title}（{rows:,}）",
        title_en=f"Benchmark {kind} ({rows:,})",
        description_zh=f"benchmarks.setup_data rows={rows} seed={seed} revision={DATA_REVISION}",
        domain="benchmark",
        catalogue_code=f"BENCH-{kind.upper()}-{size_label(rows).upper()}",
        geometry_type=geometry,
        fields=(
            FieldSpec(name="name", type=FieldType.STRING, title_zh="名称", title_en="Name"),
            FieldSpec(name="category", type=FieldType.STRING, title_zh="类别", title_en="Category",
                      enum=tuple(CodeListEntry(code=c, label_zh=f"类别{c}", label_en=f"Category {c}")
                                 for c in CATEGORIES)),
            FieldSpec(name="value", type=FieldType.NUMBER, title_zh="数值", title_en="Value",
                      minimum=0, maximum=100),
            FieldSpec(name="observed_at", type=FieldType.DATETIME, title_zh="观测时间", title_en="Observed at"),
        ),
        temporal_field="observed_at",
        read_roles=("public",),
    )


# -- generated data --------------------------------------------------------------------------------
def random_points(rng: np.random.Generator, n: int) -> np.ndarray:
    minx, miny, maxx, maxy = JILIN
    return shapely.points(rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n))


def random_lines(rng: np.random.Generator, n: int) -> np.ndarray:
    """Lines of 2–5 vertices, 1–5 km long, heading turning by ~N(0, 30°) at each vertex."""
    minx, miny, maxx, maxy = JILIN
    margin = 0.06  # ≥ 5 km, so every line stays inside the extent
    counts = rng.integers(2, 6, n)
    seg_km = rng.uniform(1.0, 5.0, n) / (counts - 1)
    x0 = rng.uniform(minx + margin, maxx - margin, n)
    y0 = rng.uniform(miny + margin, maxy - margin, n)
    total = int(counts.sum())
    line = np.repeat(np.arange(n), counts)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    position = np.arange(total) - np.repeat(starts, counts)
    turns = rng.normal(0.0, math.radians(30), total)
    turns[starts] = rng.uniform(0.0, 2 * math.pi, n)
    heading = _grouped_cumsum(turns, starts, counts)
    step = np.where(position > 0, seg_km[line], 0.0)
    dx = step * np.sin(heading) / (_KM_PER_DEGREE * np.cos(np.radians(y0[line])))
    dy = step * np.cos(heading) / _KM_PER_DEGREE
    xs = x0[line] + _grouped_cumsum(dx, starts, counts)
    ys = y0[line] + _grouped_cumsum(dy, starts, counts)
    return shapely.linestrings(np.column_stack((xs, ys)), indices=line)


def _grouped_cumsum(values: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    return total - np.repeat(total[starts] - values[starts], counts)


def random_columns(rng: np.random.Generator, n: int, first: int, kind: str) -> dict[str, np.ndarray]:
    prefix = "路段" if kind == "lines" else "设施"
    seconds = rng.integers(0, _T_SPAN, n)
    return {
        "name": np.array([f"{prefix}{i:07d}" for i in range(first + 1, first + n + 1)], dtype=object),
        "category": np.array(CATEGORIES, dtype=object)[rng.integers(0, len(CATEGORIES), n)],
        "value": np.round(rng.uniform(0.0, 100.0, n), 2),
        "observed_at": (np.datetime64(int(_T0), "s") + seconds.astype("timedelta64[s]")),
    }


def generated_chunks(kind: str, rows: int, seed: int, chunk: int = _CHUNK) -> Iterator[tuple[np.ndarray, dict]]:
    """(geometries, columns) chunk by chunk; the same seed and chunk size give the same data."""
    rng = np.random.default_rng([seed, 0 if kind == "lines" else 1])
    done = 0
    while done < rows:
        n = min(chunk, rows - done)
        geometries = random_lines(rng, n) if kind == "lines" else random_points(rng, n)
        yield geometries, random_columns(rng, n, done, kind)
        done += n


def records(kind: str, rows: int, seed: int) -> Iterator[FeatureRecord]:
    for geometries, columns in generated_chunks(kind, rows, seed):
        stamps = [datetime.fromtimestamp(int(t), UTC) for t in columns["observed_at"].astype("int64")]
        for geometry, name, category, value, observed in zip(
            geometries, columns["name"], columns["category"], columns["value"].tolist(), stamps, strict=True
        ):
            yield FeatureRecord(geometry=geometry, properties={
                "name": name, "category": category, "value": value, "observed_at": observed})


# -- building the layers ---------------------------------------------------------------------------
def ensure_layer(store: FeatureStore, registry: LayerRegistry, layer: LayerDefinition, rows: int,
                 seed: int, kind: str, log: Log = log_stderr) -> float | None:
    """Reuse a matching layer, else (re)build it; rows/s of the build or None when reused."""
    try:
        current = registry.get(layer.id)
    except LayerNotFound:
        current = None
    if current == layer and store.layer_state(layer).feature_count == rows:
        log(f"[setup] {layer.id}: reusing {rows:,} rows")
        return None
    if current is not None:
        log(f"[setup] {layer.id}: dropping stale table")
        registry.drop(layer.id)
    registry.register(layer)
    started = time.perf_counter()

    shown = [0]

    def progress(done: int) -> None:
        if (done - shown[0] >= 200_000 or done == rows) and done != shown[0]:
            shown[0] = done
            rate = done / max(time.perf_counter() - started, 1e-9)
            log(f"[setup] {layer.id}: {done:,}/{rows:,} rows ({rate:,.0f} rows/s)")

    store.insert(layer, records(kind, rows, seed), progress=progress)
    rate = rows / (time.perf_counter() - started)
    vacuum_analyze(store, layer.id, log)
    return rate


def vacuum_analyze(store: FeatureStore, table: str, log: Log = log_stderr) -> None:
    engine: sa.Engine = store.engine  # type: ignore[attr-defined]
    log(f"[setup] {table}: VACUUM ANALYZE")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'VACUUM ANALYZE "{table}"'))


def build(admin_url: str, database: str, rows: int, seed: int = DEFAULT_SEED, log: Log = log_stderr) -> BenchData:
    """Database, both layers (built or reused), ready to serve."""
    url = ensure_database(admin_url, database, log)
    store = open_store(url)
    try:
        registry = LayerRegistry(store)
        lines = layer_definition("lines", rows, seed)
        points = layer_definition("points", rows, seed)
        rates = {
            lines.id: ensure_layer(store, registry, lines, rows, seed, "lines", log),
            points.id: ensure_layer(store, registry, points, rows, seed, "points", log),
        }
    finally:
        store.close()
    return BenchData(url=url, lines=lines, points=points, rows=rows, seed=seed, build_rates=rates)


# -- GeoPackage import rate ------------------------------------------------------------------------
def write_points_gpkg(path: Path, rows: int, seed: int) -> None:
    """`rows` points with the benchmark fields, EPSG:4490, one GeoPackage layer `points`."""
    import pyogrio.raw

    path.unlink(missing_ok=True)
    for i, (geometries, columns) in enumerate(generated_chunks("points", rows, seed + 1, chunk=250_000)):
        pyogrio.raw.write(
            str(path), shapely.to_wkb(geometries), list(columns.values()), list(columns.keys()),
            layer="points", driver="GPKG", geometry_type="Point", crs="EPSG:4490", append=i > 0,
            promote_to_multi=False,
        )


def measure_import(url: str, rows: int, seed: int, workdir: Path, log: Log = log_stderr) -> dict[str, Any]:
    """Write a GeoPackage of `rows` points, import it into a fresh layer, time it; drop the layer."""
    path = workdir / f"import_points_{size_label(rows)}.gpkg"
    started = time.perf_counter()
    write_points_gpkg(path, rows, seed)
    write_seconds = time.perf_counter() - started
    log(f"[import] wrote {path.name}: {rows:,} points in {write_seconds:.1f} s")
    store = open_store(url)
    registry = LayerRegistry(store)
    layer = layer_definition("points", rows, seed, prefix="import")
    try:
        try:
            registry.drop(layer.id)
        except LayerNotFound:
            pass
        registry.register(layer)
        result = _import(store, layer, path, rows, workdir, log)
        result["gpkg_write_seconds"] = round(write_seconds, 2)
        result["gpkg_bytes"] = path.stat().st_size
        return result
    finally:
        try:
            registry.drop(layer.id)
        finally:
            store.close()
            path.unlink(missing_ok=True)


def _import(store: FeatureStore, layer: LayerDefinition, path: Path, rows: int, workdir: Path,
            log: Log) -> dict[str, Any]:
    try:
        from layers.io.importer import ImportOptions, import_file
    except ImportError as exc:  # the importer is optional for the benchmark: fall back to the store
        log(f"[import] layers.io.importer unavailable ({exc}); timing PostgisStore.insert instead")
        started = time.perf_counter()
        store.insert(layer, records("points", rows, seed=0))
        seconds = time.perf_counter() - started
        return {"method": "PostgisStore.insert (importer unavailable)", "rows": rows, "written": rows,
                "rejected": 0, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}
    last = [0.0]

    def progress(counts: Any) -> None:
        now = time.perf_counter()
        if now - last[0] >= 5:
            last[0] = now
            log(f"[import] read {counts.read:,} written {counts.written:,} rejected {counts.rejected:,}")

    options = ImportOptions(rejects_path=workdir / "import.rejects.csv")
    report = import_file(store, layer, path, options=options, progress=progress)
    seconds = report.seconds
    log(f"[import] {report.rows_written:,} rows in {seconds:.1f} s = {report.rows_written / seconds:,.0f} rows/s "
        f"({report.rows_rejected:,} rejected)")
    return {"method": "layers.io.importer.import_file", "rows": rows, "written": report.rows_written,
            "rejected": report.rows_rejected, "seconds": round(seconds, 2),
            "rows_per_s": round(report.rows_written / seconds)}


# -- the Jilin samples -----------------------------------------------------------------------------
def ensure_samples(url: str, log: Log = log_stderr) -> list[str]:
    """Load the Jilin sample layers into the benchmark database with `onemap load-samples`
    (idempotent: loaded layers are skipped); their layer ids."""
    import os
    import subprocess

    from domains.base import layer_file
    from layers.registry import load_layer_file

    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEMAP_")}
    env["ONEMAP_DATABASE_URL"] = url
    repo = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = str(repo)
    done = subprocess.run([sys.executable, "-m", "gis_server.cli.main", "load-samples"], env=env, cwd=repo,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"onemap load-samples failed ({done.returncode}):\n"
                           f"{done.stdout[-1000:]}{done.stderr[-2000:]}")
    for line in done.stdout.splitlines():
        log(f"[setup] samples: {line}")
    return [layer.id for layer in load_layer_file(layer_file())]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the benchmark tables (optionally time a GeoPackage import).")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--import-rows", type=int, default=0, help="also time a GeoPackage import of N points")
    args = parser.parse_args(argv)
    data = build(args.admin_url, args.database, args.rows, args.seed)
    log_stderr(f"[setup] ready: {data.lines.id}, {data.points.id} in {data.url}")
    if args.import_rows:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="onemap-bench-") as tmp:
            log_stderr(str(measure_import(data.url, args.import_rows, args.seed, Path(tmp))))


if __name__ == "__main__":
    main()
