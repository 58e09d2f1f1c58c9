"""`onemap enc …`: electronic navigational chart commands (issue 4).

`enc_app` is the Typer sub-app; this module adds `import`. Other chart commands live in their own
modules and attach themselves to the same sub-app (`enc_app.command("validate")(validate)`, or a
`register_enc(enc_app)` function there called from `register` below), so this file stays small.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from enc_chart.errors import CellNotNewer
from enc_chart.exchange_set import find_cells
from enc_chart.importer import CellImportReport, import_files
from gis_server.cli.context import console, open_registry
from layers.errors import OneMapError
from layers.io.importer import ImportCounts

out = Console()

enc_app = typer.Typer(help="电子航道图 / electronic navigational chart (S-57 / Inland ENC): import, validate, "
                           "build the Songhua pilot chart, export, load gauge readings",
                      no_args_is_help=True)


@enc_app.command("import")
def import_command(
    path: Path = typer.Argument(..., help="海图单元 NAME.000、文件夹或交换集目录 CATALOG.031 / a cell (NAME.000), "
                                          "a folder of cells, or an exchange set's CATALOG.031"),
    force: bool = typer.Option(False, "--force", help="即使库中已有相同或更新的版本也导入 / import even when the "
                                                      "store holds the same or a newer edition/update"),
    no_updates: bool = typer.Option(False, "--no-updates", help="只读基础单元，不应用 .001… 更新文件 / read the "
                                                               "base cells only, without their update files"),
) -> None:
    """导入海图 / Import S-57 cells: update files applied in order, each cell stored in one transaction.

    A newer edition or update replaces the stored cell whole; the same one is skipped; an older one,
    a corrupt file or a broken update sequence is refused (exit code 1) and stores nothing of that cell.
    """
    try:
        cells = find_cells(path)
    except OneMapError as exc:
        console.print(f"[red]错误 / error:[/red] {exc.message}")
        raise typer.Exit(1) from None
    reports: list[CellImportReport] = []
    failed = 0
    with open_registry() as registry:
        for files in cells:
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console, transient=True) as progress:
                task = progress.add_task(f"导入 importing {files.name}", total=None)

                def show(counts: ImportCounts, task: int = task, progress: Progress = progress) -> None:
                    progress.update(task, completed=counts.written, total=counts.total)

                try:
                    reports.append(import_files(registry.store, files, registry=registry, progress=show,
                                                force=force, apply_updates=not no_updates))
                except CellNotNewer as exc:
                    progress.stop()
                    console.print(f"[yellow]跳过 / skipped:[/yellow] {exc.message}" if exc.same
                                  else f"[red]拒绝 / refused:[/red] {exc.message}")
                    failed += 0 if exc.same else 1
                except KeyboardInterrupt:
                    progress.stop()
                    console.print(f"[yellow]已取消，{files.name} 未写入 / cancelled: nothing of {files.name} was "
                                  "written[/yellow]")
                    raise typer.Exit(130) from None
                except OneMapError as exc:
                    progress.stop()
                    console.print(f"[red]错误 / error:[/red] {exc.message}")
                    failed += 1
    if reports:
        _print_summary(reports)
    if failed:
        console.print(f"[red]{failed} 个海图单元未导入 / {failed} cell(s) not imported[/red]")
        raise typer.Exit(1)


def _print_summary(reports: list[CellImportReport]) -> None:
    """One line per cell (a table would not fit a narrow terminal)."""
    out.print("[bold]海图导入结果 / Chart import summary[/bold]")
    for report in reports:
        info, previous = report.info, report.previous
        replaced = (f"第 {previous.edition} 版第 {previous.update} 次更新的 {previous.feature_count} 个要素 / "
                    f"edition {previous.edition} update {previous.update}, {previous.feature_count} features"
                    if previous else "-")
        out.print(f"  [green]✔[/green] [bold]{info.name}[/bold] · 版次/更新 edition/update {info.edition}/{info.update}"
                  f" · 发布 issued {info.issue_date or '-'} · 更新文件 updates {', '.join(info.updates_applied) or '-'}"
                  f" · 图层 layers {len(report.layers)} · 要素 features {report.features}"
                  f" · 替换 replaced {replaced} · {report.seconds:.2f} s")


def register(app: typer.Typer) -> None:
    from gis_server.cli import enc_pilot, enc_validate, enc_waterlevel

    enc_validate.register_enc(enc_app)
    enc_app.command("build-pilot")(enc_pilot.build_pilot)
    enc_app.command("export")(enc_pilot.export)
    enc_waterlevel.register_enc(enc_app)
    app.add_typer(enc_app, name="enc")
