"""Water level along the Songhua pilot reach: gauge readings, interpolation in time and distance.

- `readings`: the `enc_gauge_readings` layer (a registered layer, so also an OGC collection), parsing
  posted readings, storing them transactionally, reading them back per gauge.
- `reach`: the waterway axis (distance from the dam) and the gauges with their chart datum and
  clearance reference levels, read from the chart layers (`wtwaxs`, `wtwgag`, `DAMCON`).
- `profile`: each gauge's level at a time and Δ = level − chart datum along the reach; effective
  depth = charted depth + Δ, clearance now = charted clearance − (level − reference level).
- `service`: all of it cached per data version; `samples`: CSV series (the sample, `onemap enc
  load-readings`).

May import: `layers`, `enc_chart.naming`; never `gis_server` or `tiles`.
"""

from enc_chart.waterlevel.errors import (
    ChartNotLoaded,
    DuplicateReading,
    EncServiceError,
    GaugeNotFound,
    NoWaterLevel,
    OutsideReach,
)
from enc_chart.waterlevel.profile import WaterProfile, level_at, water_profile
from enc_chart.waterlevel.reach import Gauge, Reach, load_reach
from enc_chart.waterlevel.readings import READINGS_LAYER, READINGS_LAYER_ID, Reading, parse_readings, parse_time
from enc_chart.waterlevel.service import VersionedCache, WaterLevelService

__all__ = [
    "READINGS_LAYER", "READINGS_LAYER_ID", "ChartNotLoaded", "DuplicateReading", "EncServiceError", "Gauge",
    "GaugeNotFound", "NoWaterLevel", "OutsideReach", "Reach", "Reading", "VersionedCache", "WaterLevelService",
    "WaterProfile", "level_at", "load_reach", "parse_readings", "parse_time", "water_profile",
]
