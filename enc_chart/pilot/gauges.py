"""Water gauges of the pilot reach and a sample series of their readings.

Four gauges stand on the banks (`GAUGES`). Levels are elevations in the 1985 National Height
Datum (1985国家高程基准), metres. At each gauge, `chart_datum_m` is the elevation of chart
datum (the design lowest navigable level, 设计最低通航水位), to which depths are reduced, and
`highest_navigable_m` the design highest navigable level (设计最高通航水位), to which bridge
vertical clearances refer. Between gauges both are interpolated by chainage.

The sample series (`readings`) is three days of hourly levels: Fengman's daily hydropeaking
wave, travelling downstream at about 1.5 m/s and flattening, over a slowly rising release.

May import: `enc_chart.pilot.reach`, `enc_chart.pilot.settings`.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import yaml

from enc_chart.errors import ChartInputError
from enc_chart.pilot.reach import Reach
from enc_chart.pilot.settings import PilotSettings

DATUM = "1985国家高程基准 / National Height Datum 1985"
CST = timezone(timedelta(hours=8))
SERIES_START = datetime(2026, 10, 28, 0, 0, tzinfo=CST)
SERIES_HOURS = 72


@dataclass(frozen=True)
class Gauge:
    id: str
    name_zh: str
    name_en: str
    chainage_m: float
    bank: str  # "left" or "right", facing downstream
    chart_datum_m: float
    highest_navigable_m: float
    mean_level_m: float
    catgag: str  # Inland ENC category of gauge (3: recording, remote access)
    lon: float = 0.0
    lat: float = 0.0


GAUGES: tuple[Gauge, ...] = (
    Gauge("FM", "丰满水位站", "Fengman gauge", 1_800.0, "right", 191.40, 196.20, 193.00, "3"),
    Gauge("JL", "吉林水文站", "Jilin hydrological station", 21_200.0, "left", 187.20, 192.10, 188.80, "3"),
    Gauge("LT", "龙潭水位站", "Longtan gauge", 27_000.0, "right", 185.90, 190.80, 187.50, "2"),
    Gauge("WLT", "卧龙潭水位站", "Wolongtan gauge", 29_800.0, "left", 185.30, 190.20, 186.90, "2"),
)


def placed(reach: Reach) -> tuple[Gauge, ...]:
    """The gauges with their positions: on their bank, 15 m inland of the water's edge."""
    out = []
    for gauge in GAUGES:
        left, right = (float(v) for v in reach.half_widths(gauge.chainage_m))
        offset = left + 15.0 if gauge.bank == "left" else -(right + 15.0)
        lon, lat = reach.to_lonlat(reach.offset_xy(gauge.chainage_m, offset))
        out.append(Gauge(**{**asdict(gauge), "lon": round(float(lon), 7), "lat": round(float(lat), 7)}))
    return tuple(out)


def readings(settings: PilotSettings) -> list[tuple[str, str, float]]:
    """(gauge id, ISO time with +08:00, level m) for every gauge, hourly over three days."""
    rng = np.random.default_rng([settings.seed, 7])
    rows = []
    for gauge in GAUGES:
        hours = np.arange(SERIES_HOURS, dtype=float)
        lag_h = gauge.chainage_m / 1.5 / 3600.0
        amplitude = 0.35 * np.exp(-gauge.chainage_m / 40_000.0)
        level = (gauge.chart_datum_m + 1.45 + 0.25 * hours / SERIES_HOURS
                 + amplitude * np.sin(2 * np.pi * (hours - 9.0 - lag_h) / 24.0)
                 + rng.normal(0.0, 0.015, size=len(hours)))
        for hour, value in zip(hours, level, strict=True):
            at = SERIES_START + timedelta(hours=int(hour))
            rows.append((gauge.id, at.isoformat(), round(float(value), 2)))
    return rows


def write_gauges(path: Path, reach: Reach) -> Path:
    doc = {
        "datum": DATUM,
        "units": "m",
        "notes": ("chart_datum_m: elevation of chart datum (design lowest navigable level), to which depths "
                  "are reduced; highest_navigable_m: reference level of bridge vertical clearances; both are "
                  "interpolated by chainage between gauges. chainage_m: metres along the waterway axis from "
                  "Fengman Dam. Synthetic sample values."),
        "gauges": [asdict(g) for g in placed(reach)],
    }
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_readings(path: Path, settings: PilotSettings) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["gauge_id", "time", "level_m"])
        writer.writerows((gid, at, f"{level:.2f}") for gid, at, level in readings(settings))
    return path


def load_gauges(path: Path) -> tuple[Gauge, ...]:
    """The gauges of a gauges.yaml (clear error on a malformed file)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        return tuple(Gauge(**entry) for entry in doc["gauges"])
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise ChartInputError(f"水位站文件无效 / invalid gauges file {path}: {exc}") from exc
