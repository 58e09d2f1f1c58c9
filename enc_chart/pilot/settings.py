"""The pilot chart's settings: where the reach ends, the cell's identity, the depth bands.

Defaults live here; `data/samples/enc/pilot.yaml` may override any of them (see docs/enc.md,
"Pilot chart"). Wolongtan (卧龙潭), the downstream end of the pilot reach, has no surveyed
position: it is the point of the waterway axis at `wolongtan_chainage_m` metres from Fengman Dam.
Changing a setting that shapes the survey (the end point, the resolution, the seed) needs the
samples regenerated: `python -m enc_chart.pilot.samples`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path

import yaml

from enc_chart.errors import ChartInputError

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "data" / "samples" / "enc"
SETTINGS_FILE = "pilot.yaml"


@dataclass(frozen=True)
class PilotSettings:
    #: Distance along the waterway axis from the dam to Wolongtan (the configured end point), m.
    wolongtan_chainage_m: float = 30_000.0
    #: S-57 cell name: producer "CN", navigational purpose 7 (Inland ENC berthing/river), area code.
    cell_name: str = "CN7SHJ01"
    edition: int = 1
    update: int = 0
    issue_date: date = date(2026, 11, 1)
    #: Producing agency (S-62): 70 = Maritime Safety Administration, China.
    agency: int = 70
    #: Compilation scale 1:CSCL.
    compilation_scale: int = 10_000
    #: Depth bands (DRVAL1, DRVAL2) of the depth areas, metres below chart datum.
    depth_bands: tuple[tuple[float, float], ...] = ((0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 5.0), (5.0, 10.0))
    #: Survey grid cell (m) in the projected CRS.
    survey_resolution_m: float = 5.0
    #: Projected CRS of the survey: CGCS2000 / 3-degree Gauss-Kruger CM 126E.
    survey_epsg: int = 4551
    #: Soundings: at most one (the shallowest) per square cell of this size, metres.
    sounding_cell_m: float = 120.0
    #: Simplification of the depth-area coverage (metres, in the projected CRS).
    simplify_tolerance_m: float = 3.0
    #: Half-width of the corridor of land charted either side of the river, metres.
    land_corridor_m: float = 800.0
    #: Fairway half-width either side of the waterway axis, metres.
    fairway_half_width_m: float = 50.0
    #: Seed of every synthetic choice.
    seed: int = 20261101


def load_settings(path: Path | None = None) -> PilotSettings:
    """Defaults, overridden by the YAML file at `path` (default: the samples' pilot.yaml, if present)."""
    path = path or SAMPLES_DIR / SETTINGS_FILE
    settings = PilotSettings()
    if not path.exists():
        return settings
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    known = {f.name for f in fields(PilotSettings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ChartInputError(f"未知的试点海图设置 / unknown pilot settings in {path}: {', '.join(unknown)}")
    if "depth_bands" in raw:
        raw["depth_bands"] = tuple((float(a), float(b)) for a, b in raw["depth_bands"])
    if "issue_date" in raw and not isinstance(raw["issue_date"], date):
        raw["issue_date"] = date.fromisoformat(str(raw["issue_date"]))
    return replace(settings, **raw)
