"""`python -m benchmarks.enc_route`: how long a route check of a 30 km route takes (target < 200 ms).

`measure_route_check()` stores a chart in a fresh GeoPackage — the pilot chart of the Songhua reach
(`enc_chart.pilot`, stored by `enc_chart.importer`) when its sample inputs are present, else a
synthetic 30 km reach with a similar number of depth areas — loads gauge readings, and checks a
route along the whole waterway axis for a small inland vessel:

- `cold_ms`: the first check, which builds the chart model (read, project, index) — paid once per
  data version of the chart layers;
- `median_ms` / `p95_ms` / `max_ms`: the following `runs` checks through `ChartService` (the data
  versions read, the water level at the time interpolated, the route checked);
- `api_median_ms`: the same through `POST /enc/route-check` in-process (JSON in and out).

`benchmarks/enc.py` (the issue's benchmark) calls `measure_route_check` and reports the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, mapping
from shapely.ops import substring

from enc_chart.route import ChartService, check_route, parse_route, parse_vessel
from enc_chart.waterlevel.readings import Reading
from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord, FeatureStore

TARGET_MS = 200.0
VESSEL = {"draft": 1.2, "air_draft": 8.0, "beam": 10.0, "length": 60.0, "ukc": 0.3}
ROUTE_KM = 30.0


def _pilot(store: FeatureStore, registry: LayerRegistry) -> bool:
    """Store the pilot chart and its sample readings; False when the pilot or its inputs are missing."""
    try:
        from enc_chart.importer import import_cell
        from enc_chart.pilot.build import build_pilot_cell
        from enc_chart.pilot.settings import SAMPLES_DIR
    except ImportError:
        return False
    if not (SAMPLES_DIR / "survey.tif").exists():
        return False
    import_cell(store, build_pilot_cell(SAMPLES_DIR), registry=registry)
    return True


# -- the synthetic reach -----------------------------------------------------------------------------
def _field(name: str, kind: FieldType = FieldType.NUMBER) -> FieldSpec:
    return FieldSpec(name=name, type=kind, title_zh=name)


def _layer(layer_id: str, geometry: GeometryType, *fields: FieldSpec) -> LayerDefinition:
    return LayerDefinition(id=layer_id, title_zh=layer_id, title_en=layer_id, domain="waterway",
                           catalogue_code="JL-JT-HD-BENCH", geometry_type=geometry,
                           fields=(_field("objnam", FieldType.STRING), _field("unlocd", FieldType.STRING), *fields),
                           valid_extent=(-180.0, -90.0, 180.0, 90.0))


def _synthetic(store: FeatureStore, registry: LayerRegistry) -> None:
    """A meandering 31 km reach near Jilin: 5 depth bands cut every 100 m, 8 bridges, 3 gauges."""
    lon0, lat0 = 126.69, 43.72
    s = np.linspace(0, 31_000, 621)
    xy = np.column_stack((s, 1500 * np.sin(s / 4000)))
    axis_m = LineString(xy)

    def ll(geom: Any) -> Any:
        return shapely.transform(geom, lambda c: np.column_stack(
            (lon0 + c[:, 0] / 80_400.0, lat0 + c[:, 1] / 111_100.0)))

    depare = _layer("enc_depare", GeometryType.MULTIPOLYGON, _field("drval1"), _field("drval2"))
    axis = _layer("enc_i_wtwaxs", GeometryType.MULTILINESTRING)
    gauges = _layer("enc_i_wtwgag_p", GeometryType.MULTIPOINT, _field("sdrval"), _field("vcrval"))
    bridges = _layer("enc_i_bridge", GeometryType.MULTIPOLYGON, _field("verclr"), _field("horclr"))
    wrecks = _layer("enc_wrecks_p", GeometryType.MULTIPOINT, _field("valsou"))
    registry.register_many([depare, axis, gauges, bridges, wrecks])
    bands = [(0, 40, 5.0, 10.0), (40, 80, 3.0, 5.0), (80, 120, 2.0, 3.0), (120, 160, 1.0, 2.0), (160, 200, 0.0, 1.0)]
    records = []
    rings = []
    for inner, outer, d1, d2 in bands:  # whole-reach bands, so neighbouring pieces share their edges
        ring = axis_m.buffer(outer, cap_style="flat")
        rings.append((ring.difference(axis_m.buffer(inner, cap_style="flat")) if inner else ring, d1, d2))
    for start in range(0, 31_000, 100):
        cell = substring(axis_m, start, start + 100).buffer(250, cap_style="flat")
        for ring, d1, d2 in rings:
            parts = [p for p in shapely.get_parts(ring.intersection(cell)) if p.geom_type == "Polygon" and p.area > 1]
            if parts:
                records.append(FeatureRecord(ll(MultiPolygon(parts)), {"drval1": d1, "drval2": d2}))
    store.insert(depare, records)
    store.insert(axis, [FeatureRecord(MultiLineString([ll(axis_m)]), {})])
    store.insert(gauges, [FeatureRecord(MultiPoint([ll(axis_m.interpolate(d).buffer(1).centroid)]),
                                        {"unlocd": gid, "sdrval": datum, "vcrval": datum + 5})
                          for gid, d, datum in (("FM", 1_800, 191.4), ("JL", 21_200, 187.2), ("WLT", 29_800, 185.3))])
    deck = [FeatureRecord(MultiPolygon([ll(substring(axis_m, d, d + 20).buffer(300, cap_style="flat"))]),
                          {"verclr": 12.0, "horclr": 60.0, "objnam": f"Bridge {i}"})
            for i, d in enumerate(range(3_000, 30_000, 3_500))]
    store.insert(bridges, deck)
    store.insert(wrecks, [FeatureRecord(MultiPoint([ll(Point(d, 1500 * np.sin(d / 4000) + 25))]), {"valsou": 1.0})
                          for d in (5_000, 15_000, 25_000)])


def _readings(service: ChartService) -> None:
    """The sample series when its gauge ids match the chart's, else 48 hourly readings per gauge."""
    from enc_chart.waterlevel.errors import GaugeNotFound
    from enc_chart.waterlevel.samples import SAMPLE_READINGS, load_readings

    if SAMPLE_READINGS.exists():
        try:
            load_readings(service.water, SAMPLE_READINGS)
            return
        except GaugeNotFound:
            pass
    from datetime import UTC, datetime

    start = datetime(2026, 10, 28, tzinfo=UTC)
    for gauge in service.water.reach().gauges:
        service.water.add_readings(gauge.gauge_id, [
            Reading(gauge.gauge_id, start + timedelta(hours=h), gauge.chart_datum_m + 1.5 + 0.2 * np.sin(h / 4))
            for h in range(48)])


def _route(service: ChartService) -> dict[str, Any]:
    """The waterway axis from the dam to 30 km (or its end), in lon/lat."""
    reach = service.model().reach
    end = min(ROUTE_KM * 1000, reach.axis.length - 1)
    piece = substring(reach.axis, 1.0, end)
    return mapping(reach.frame.to_lonlat(piece))


def measure_route_check(runs: int = 30, store_url: str | None = None) -> dict[str, Any]:
    """Time route checks of a 30 km route (see module doc); returns the figures."""
    with tempfile.TemporaryDirectory(prefix="onemap-enc-bench-") as tmp:
        store = open_store(store_url or f"geopackage://{Path(tmp) / 'enc.gpkg'}")
        try:
            registry = LayerRegistry(store)
            chart = "pilot" if _pilot(store, registry) else "synthetic"
            if chart == "synthetic":
                _synthetic(store, registry)
            service = ChartService(store, registry)
            _readings(service)
            route_doc = _route(service)
            moment = max(s.latest()[0] for s in service.water.table().series.values())
            body = {"route": route_doc, "vessel": VESSEL, "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}
            service = ChartService(store, registry)  # cold: nothing cached

            def once() -> tuple[float, int]:
                started = time.perf_counter()
                model, profile = service.model_and_profile(moment)
                result = check_route(model, profile, parse_route(route_doc), parse_vessel(VESSEL))
                return (time.perf_counter() - started) * 1000, len(result.violations)

            cold, violations = once()
            times = sorted(once()[0] for _ in range(runs))
            api = _api_times(store, body, runs)
            model = service.model()
            return {
                "chart": chart, "route_km": round(model.reach.frame.to_metres(parse_route(route_doc)).length / 1000, 2),
                "depth_areas": len(model.depth), "bridges": len(model.bridges), "hazards": len(model.hazards),
                "violations": violations, "runs": runs, "cold_ms": round(cold, 1),
                "median_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(0.95 * (runs - 1))], 2),
                "max_ms": round(times[-1], 2), "api_median_ms": round(statistics.median(api), 2),
                "target_ms": TARGET_MS, "within_target": statistics.median(times) < TARGET_MS,
            }
        finally:
            store.close()


def _api_times(store: FeatureStore, body: dict[str, Any], runs: int) -> list[float]:
    from fastapi.testclient import TestClient

    from gis_server.app import create_app
    from gis_server.settings import Settings

    times = []
    with TestClient(create_app(Settings(database_url="geopackage:///unused.gpkg"), store=store)) as client:
        client.post("/enc/route-check", json=body).raise_for_status()  # builds the app's chart model
        for _ in range(runs):
            started = time.perf_counter()
            client.post("/enc/route-check", json=body).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description="Route check of a 30 km route on the pilot reach (target < 200 ms)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--store-url", default=None, help="a store URL (default: a fresh temporary GeoPackage)")
    args = parser.parse_args()
    print(json.dumps(measure_route_check(args.runs, args.store_url), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
