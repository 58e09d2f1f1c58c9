"""Write the pilot chart's sample inputs: survey.tif, gauges.yaml, gauge_readings.csv.

    python -m enc_chart.pilot.samples              # rewrites data/samples/enc/
    python -m enc_chart.pilot.samples /tmp/out     # writes somewhere else

Deterministic: the same settings give the same files.

May import: `enc_chart.pilot.*`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from enc_chart.pilot.gauges import write_gauges, write_readings
from enc_chart.pilot.reach import build_reach
from enc_chart.pilot.settings import SAMPLES_DIR, PilotSettings, load_settings
from enc_chart.pilot.survey import write_survey

SURVEY_FILE = "survey.tif"
GAUGES_FILE = "gauges.yaml"
READINGS_FILE = "gauge_readings.csv"


def write_samples(out_dir: Path, settings: PilotSettings) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    reach = build_reach(settings)
    return [
        write_survey(out_dir / SURVEY_FILE, settings),
        write_gauges(out_dir / GAUGES_FILE, reach),
        write_readings(out_dir / READINGS_FILE, settings),
    ]


def main(argv: list[str]) -> None:
    out_dir = Path(argv[0]) if argv else SAMPLES_DIR
    for path in write_samples(out_dir, load_settings()):
        print(f"{path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
