"""`onemap enc build-pilot` and `onemap enc export CELL OUT.000`: the Songhua pilot chart.

`build_pilot` builds the chart of the Fengman Dam – Wolongtan reach from the sample inputs in
data/samples/enc/ (`enc_chart.pilot.build`) and stores it through the chart importer, like any
imported cell (a second run with the same edition is skipped). `export` writes a cell to an
S-57 base cell with GDAL's writer (`enc_chart.s57_writer`); CELL is the name of a stored cell
(read back by `enc_chart.stored`), or the path of an S-57 cell to re-encode. `load_pilot_samples`
is what `onemap load-samples` adds for the chart (the pilot and its sample gauge readings).
"""

from __future__ import annotations

from pathlib import Path

import typer

from enc_chart.errors import CellNotNewer, ChartInputError
from enc_chart.s57_writer import S57WriteError
from gis_server.cli.context import console, open_registry
from layers.registry import LayerRegistry


def build_pilot(
    samples: Path = typer.Option(None, "--samples", help="示例输入目录 / sample inputs folder "
                                                         "(default data/samples/enc)"),
    force: bool = typer.Option(False, "--force", help="即使库中已有同一版次也重新入库 / store even when the same "
                                                      "edition is already stored"),
) -> None:
    """构建松花江试点航道图并入库 / Build the Songhua pilot chart (Fengman Dam – Wolongtan) and store it."""
    from enc_chart.importer import import_cell
    from enc_chart.pilot.build import build_pilot_cell
    from enc_chart.pilot.settings import SAMPLES_DIR

    try:
        cell = build_pilot_cell(samples or SAMPLES_DIR)
    except ChartInputError as exc:
        console.print(f"[red]错误 / error:[/red] {exc.message}")
        raise typer.Exit(1) from None
    with open_registry() as registry:
        try:
            report = import_cell(registry.store, cell, registry=registry, force=force)
        except CellNotNewer as exc:
            console.print(f"[yellow]跳过 / skipped:[/yellow] {exc.message}" if exc.same
                          else f"[red]拒绝 / refused:[/red] {exc.message}")
            raise typer.Exit(0 if exc.same else 1) from None
    typer.echo(f"{cell.info.name}: 第 {cell.info.edition} 版 / edition {cell.info.edition}, "
               f"{len(report.layers)} 个图层 / layers, {report.features} 个要素 / features "
               f"({report.seconds:.1f} s)")


def export(
    cell: str = typer.Argument(..., help="库中的海图单元名，或 S-57 文件 / a cell stored in the platform (e.g. "
                                         "CN7SHJ01 after build-pilot), or an S-57 cell file (.000)"),
    out: Path = typer.Argument(..., help="输出文件 NAME.000 / output file NAME.000"),
) -> None:
    """导出为 S-57 / Export a chart cell to an S-57 base cell (.000) with GDAL's writer."""
    from enc_chart.reader import read_cell
    from enc_chart.s57_writer import write_cell
    from enc_chart.stored import stored_cell

    try:
        if Path(cell).suffix == ".000":
            chart = read_cell(Path(cell))
        else:
            with open_registry() as registry:
                chart = stored_cell(registry, cell)
        if out.suffix != ".000" or out.stem != chart.info.name:
            raise ChartInputError(f"输出文件应为 {chart.info.name}.000 / the output file must be named "
                                  f"{chart.info.name}.000 (S-57 names the file after the cell)")
        written = write_cell(chart, out)
    except (ChartInputError, S57WriteError) as exc:
        console.print(f"[red]错误 / error:[/red] {getattr(exc, 'message', exc)}")
        raise typer.Exit(1) from None
    typer.echo(f"{written}: {chart.feature_count} 个要素 / features, {written.stat().st_size} 字节 / bytes")


def load_pilot_samples(registry: LayerRegistry) -> None:
    """The pilot chart and its sample gauge series, for `onemap load-samples` (idempotent: a chart
    already stored at the same edition is not built again, readings already stored are skipped)."""
    from enc_chart.importer import import_cell, stored_cell
    from enc_chart.layers import CELLS_LAYER
    from enc_chart.pilot.build import build_pilot_cell
    from enc_chart.pilot.settings import SAMPLES_DIR, load_settings
    from gis_server.cli.enc_waterlevel import load_sample_readings

    name = load_settings().cell_name
    index = next((layer for layer in registry.all() if layer.id == CELLS_LAYER), None)
    if stored_cell(registry.store, index, name) is None:
        cell = build_pilot_cell(SAMPLES_DIR)
        report = import_cell(registry.store, cell, registry=registry)
        typer.echo(f"{name}: 松花江试点航道图 {report.features} 个要素 / Songhua pilot chart, "
                   f"{report.features} features in {len(report.layers)} layers")
    else:
        typer.echo(f"{name}: 航道图已入库，跳过 / pilot chart already stored, skipped")
    load_sample_readings(registry)
