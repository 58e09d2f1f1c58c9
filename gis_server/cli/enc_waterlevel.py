"""`onemap enc load-readings CSV` and the sample series step of `onemap load-samples`.

The chart (its waterway axis and gauges) must be in the store first; the readings are checked
whole and written in one transaction, skipping those already stored (see
`enc_chart.waterlevel.samples`). Attach with `register_enc(enc_app)`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from enc_chart.waterlevel.samples import SAMPLE_READINGS, LoadReport, load_readings
from enc_chart.waterlevel.service import WaterLevelService
from gis_server.cli.context import open_registry
from layers.registry import LayerRegistry


def load_sample_readings(registry: LayerRegistry, path: Path = SAMPLE_READINGS) -> LoadReport:
    """Load the sample gauge series (for `onemap load-samples`, after the pilot chart is stored)."""
    report = load_readings(WaterLevelService(registry.store, registry), path)
    typer.echo(f"enc_gauge_readings: 装载 {report.loaded} 条读数，跳过已有 {report.skipped} 条 / "
               f"loaded {report.loaded} readings, {report.skipped} already stored")
    return report


def load_readings_command(
    csv_path: Path = typer.Argument(..., help="读数 CSV：gauge_id, observed_at（或 time）, level_m / readings CSV",
                                    exists=True, dir_okay=False),
) -> None:
    """装载水位读数 / Load gauge readings from CSV into the enc_gauge_readings layer (one transaction)."""
    with open_registry() as registry:
        load_sample_readings(registry, csv_path)


def register_enc(enc_app: typer.Typer) -> None:
    enc_app.command("load-readings")(load_readings_command)
