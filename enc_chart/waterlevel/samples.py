"""Loading a series of gauge readings from CSV (the sample series, or a crew's export).

Columns (header names, case-insensitive): `gauge_id` (or `gauge`), `observed_at` (or `time`,
RFC 3339; without an offset China Standard Time) and `level_m` (or `level`, metres on the gauge's
staff). Every row is checked first; one bad row or unknown gauge stops the load with nothing
written. Readings already stored (same gauge and time) are skipped, so loading twice adds nothing.
The rest go in one transaction.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import Point

from enc_chart.waterlevel.readings import Reading, parse_level, parse_time, reading_record, readings_layer
from enc_chart.waterlevel.service import WaterLevelService
from layers.errors import InvalidFeature

SAMPLE_READINGS = Path(__file__).resolve().parents[2] / "data" / "samples" / "enc" / "gauge_readings.csv"
_COLUMNS = {"gauge_id": ("gauge_id", "gauge"), "observed_at": ("observed_at", "time"),
            "level_m": ("level_m", "level")}


@dataclass(frozen=True)
class LoadReport:
    loaded: int
    skipped: int  # already stored


def read_csv(path: Path) -> list[Reading]:
    """Every row of the file as a reading; a bad row → `InvalidFeature` naming the line and column."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InvalidFeature(f"无法读取文件 / cannot read {path}: {exc.strerror}", field="path") from None
    with handle:
        reader = csv.DictReader(handle)
        header = {name.strip().lower(): name for name in reader.fieldnames or ()}
        columns = {}
        for key, names in _COLUMNS.items():
            found = next((header[n] for n in names if n in header), None)
            if found is None:
                raise InvalidFeature(f"{path.name} 缺少列 {key} / missing column {key!r} "
                                     f"(accepted: {', '.join(names)})", field=key)
            columns[key] = found
        readings = []
        for line, row in enumerate(reader, start=2):
            where = f"{path.name}:{line} "
            gauge = (row.get(columns["gauge_id"]) or "").strip()
            if not gauge:
                raise InvalidFeature(f"{where}缺少水位站 / missing gauge id", field="gauge_id")
            moment = parse_time((row.get(columns["observed_at"]) or "").strip(), f"{where}observed_at")
            raw = (row.get(columns["level_m"]) or "").strip()
            try:
                value = float(raw)
            except ValueError:
                raise InvalidFeature(f"{where}水位不是数值 / level is not a number: {raw!r}",
                                     field="level_m") from None
            readings.append(Reading(gauge, moment, parse_level(value, f"{where}level_m")))
    return readings


def load_readings(service: WaterLevelService, path: Path = SAMPLE_READINGS) -> LoadReport:
    """Check and store a CSV series in one transaction (see module doc)."""
    readings = read_csv(path)
    reach = service.reach()
    gauges = {g.gauge_id: g for g in reach.gauges}
    for reading in readings:
        if reading.gauge_id not in gauges:
            reach.gauge(reading.gauge_id)  # raises GaugeNotFound naming the known gauges
    layer = readings_layer(service.registry)
    assert layer is not None
    table = service.table()
    seen: set[tuple[str, float]] = set()
    fresh = []
    for reading in readings:
        key = (reading.gauge_id, reading.observed_at.timestamp())
        if key in seen or table.has(reading.gauge_id, reading.observed_at):
            continue
        seen.add(key)
        fresh.append(reading)
    records = [reading_record(Point(gauges[r.gauge_id].lon, gauges[r.gauge_id].lat), r) for r in fresh]
    if records:
        service.store.insert(layer, records)
    return LoadReport(loaded=len(records), skipped=len(readings) - len(records))
