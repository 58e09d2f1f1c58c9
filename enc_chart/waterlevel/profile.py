"""The water level along the reach at a time, and what it does to depths and clearances.

At time t each gauge's level is linear in time between its two readings around t, its latest
reading when t is after the last, and unknown before its first (that gauge then takes no part).
Along the reach, with x the distance from the dam on the axis:

    Δ(x) = level − chart datum          (metres of water above chart datum)
    ρ(x) = clearance reference − chart datum

are interpolated linearly in x between the gauges that have a level and held constant beyond the
first and the last. Δ and ρ are interpolated rather than the raw levels because each gauge reads
against its own zero, whereas "above chart datum" means the same everywhere. Then

    effective depth      = charted depth + Δ(x)
    clearance now        = charted clearance − (level − reference level) = charted clearance − (Δ(x) − ρ(x))

with ρ = 0 at a gauge that gives no clearance reference level (clearances above chart datum).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from enc_chart.waterlevel.errors import NoWaterLevel
from enc_chart.waterlevel.reach import Gauge, Reach
from enc_chart.waterlevel.readings import GaugeSeries, ReadingTable


@dataclass(frozen=True)
class GaugeLevel:
    gauge: Gauge
    level_m: float  # on the gauge's staff
    how: str  # "interpolated", "reading" (exactly at t) or "latest" (t after the last reading)
    reading_at: datetime  # the reading (the later of the two when interpolated)

    @property
    def above_datum_m(self) -> float:
        return self.level_m - self.gauge.chart_datum_m

    def to_dict(self) -> dict[str, Any]:
        g = self.gauge
        return {"gauge_id": g.gauge_id, "name": g.name, "name_zh": g.name_zh, "distance_km": round(g.distance_km, 3),
                "level_m": round(self.level_m, 3), "chart_datum_m": g.chart_datum_m,
                "reference_level_m": g.reference_level_m, "above_chart_datum_m": round(self.above_datum_m, 3),
                "how": self.how, "reading_at": _iso(self.reading_at)}


def level_at(series: GaugeSeries, moment: datetime) -> tuple[float, str, datetime] | None:
    """A gauge's level at `moment` (see module doc), None before its first reading."""
    t = moment.timestamp()
    times, levels = series.times, series.levels
    if len(times) == 0 or t < times[0]:
        return None
    if t >= times[-1]:
        how = "reading" if t == times[-1] else "latest"
        return float(levels[-1]), how, datetime.fromtimestamp(float(times[-1]), UTC)
    upper = int(np.searchsorted(times, t, side="right"))
    t0, t1, v0, v1 = times[upper - 1], times[upper], levels[upper - 1], levels[upper]
    when = datetime.fromtimestamp(float(times[upper]), UTC)
    if t == t0:
        return float(v0), "reading", datetime.fromtimestamp(float(t0), UTC)
    return float(v0 + (v1 - v0) * (t - t0) / (t1 - t0)), "interpolated", when


@dataclass(frozen=True)
class WaterProfile:
    """Δ and ρ at the gauges that have a level at `time`, by distance from the dam."""

    time: datetime
    levels: tuple[GaugeLevel, ...]
    without_level: tuple[str, ...]  # gauges with no reading at or before `time`

    @property
    def km(self) -> np.ndarray:
        return np.array([lv.gauge.distance_km for lv in self.levels])

    @property
    def delta(self) -> np.ndarray:
        return np.array([lv.above_datum_m for lv in self.levels])

    @property
    def rho(self) -> np.ndarray:
        return np.array([0.0 if lv.gauge.reference_level_m is None
                         else lv.gauge.reference_level_m - lv.gauge.chart_datum_m for lv in self.levels])

    def depth_offset(self, km: np.ndarray | float) -> np.ndarray:
        """Δ(x): add to a charted depth to get the depth now."""
        return np.interp(km, self.km, self.delta)

    def clearance_offset(self, km: np.ndarray | float) -> np.ndarray:
        """Δ(x) − ρ(x): subtract from a charted clearance to get the clearance now."""
        return np.interp(km, self.km, self.delta - self.rho)

    def min_depth_offset(self, lo_km: np.ndarray, hi_km: np.ndarray) -> np.ndarray:
        """The least Δ over each interval [lo, hi] of the axis (Δ is piecewise linear: ends and gauges)."""
        lo, hi = np.asarray(lo_km, dtype=float), np.asarray(hi_km, dtype=float)
        least = np.minimum(self.depth_offset(lo), self.depth_offset(hi))
        for km, delta in zip(self.km, self.delta, strict=True):
            inside = (lo <= km) & (km <= hi)
            least = np.where(inside, np.minimum(least, delta), least)
        return least

    def to_dict(self) -> dict[str, Any]:
        return {"time": _iso(self.time), "gauges": [lv.to_dict() for lv in self.levels],
                "gauges_without_level": list(self.without_level)}


def water_profile(reach: Reach, table: ReadingTable, moment: datetime) -> WaterProfile:
    """The profile at `moment`. Raises `NoWaterLevel` when no gauge has a reading at or before it."""
    levels, missing = [], []
    for gauge in reach.gauges:
        series = table.series.get(gauge.gauge_id)
        found = level_at(series, moment) if series is not None else None
        if found is None:
            missing.append(gauge.gauge_id)
        else:
            levels.append(GaugeLevel(gauge, *found))
    if not levels:
        if not reach.gauges:
            detail = "航道图中没有水位站（wtwgag） / the chart has no gauges (wtwgag)"
        else:
            detail = (f"{_iso(moment)} 及以前没有任何水位站读数 / no gauge has a reading at or before "
                      f"{_iso(moment)}")
        raise NoWaterLevel(detail)
    return WaterProfile(moment, tuple(levels), tuple(missing))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
