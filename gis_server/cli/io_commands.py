"""`onemap import` and `onemap export`: files into registered layers and layers out to files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gis_server.cli.acting_for import view_for
from gis_server.cli.context import console, open_registry
from layers.io.columns import parse_mappings
from layers.io.exporter import ExportFormat, export_layer, parse_export_srid
from layers.io.importer import ImportCounts, ImportOptions, ImportReport, import_file

out = Console()


def import_command(
    path: Path = typer.Argument(..., help="源文件 / source file: GeoPackage, Shapefile (.shp), GeoJSON, CSV/TSV "
                                          "(lon/lat or WKT columns) or any other vector format GDAL reads"),
    layer_id: str = typer.Option(..., "--layer", "-l", help="目标图层标识 / id of the registered target layer"),
    source_layer: str | None = typer.Option(None, help="源文件中的图层名（多图层文件必填）/ layer inside a "
                                                       "multi-layer source such as a GeoPackage"),
    source_crs: str | None = typer.Option(None, help="源坐标系，覆盖文件声明 / source CRS, overrides the file: "
                                                     "EPSG:4326, 4490, 3857 or 4491–4554 (CGCS2000 Gauss–Krüger)"),
    from_gcj02: bool = typer.Option(False, "--from-gcj02", help="源坐标为 GCJ-02（高德/腾讯等火星坐标），纠偏到 "
                                                                "CGCS2000 / coordinates are GCJ-02 (Amap, Tencent): "
                                                                "correct them"),
    encoding: str | None = typer.Option(None, help="文本编码，如 GBK、UTF-8 / text encoding of the source "
                                                   "(default: .cpg, else UTF-8 if valid, else GBK)"),
    mappings: list[str] = typer.Option([], "--map", help="字段映射 源列=图层字段，可重复 / SOURCE=FIELD column "
                                                         "mapping, repeatable (same-named columns map themselves)"),
    lon_column: str | None = typer.Option(None, help="CSV 经度列 / longitude (or easting) column"),
    lat_column: str | None = typer.Option(None, help="CSV 纬度列 / latitude (or northing) column"),
    wkt_column: str | None = typer.Option(None, help="CSV WKT 几何列 / WKT geometry column"),
    rejects: Path | None = typer.Option(None, help="拒绝记录 CSV 路径 / where to write the rejects CSV "
                                                   "(default: <source>.rejects.csv beside the source)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只校验不写入 / validate only, write nothing"),
    batch_size: int = typer.Option(50_000, min=1, help="每批读取行数 / rows read per batch"),
) -> None:
    """导入数据 / Import a vector file into a registered layer.

    Every row is checked against the layer schema; valid rows are written in ONE transaction (all
    or nothing: a failed import leaves the layer unchanged and can simply be run again), rejected
    rows go to a rejects CSV (row, field, reason; UTF-8 with BOM for Excel).
    """
    with open_registry() as registry:
        layer = registry.get(layer_id)
        options = ImportOptions(
            source_layer=source_layer, source_crs=source_crs, from_gcj02=from_gcj02, encoding=encoding,
            mappings=parse_mappings(mappings), lon_column=lon_column, lat_column=lat_column,
            wkt_column=wkt_column, rejects_path=rejects, dry_run=dry_run, batch_size=batch_size)
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("拒绝 rejected [red]{task.fields[rejected]}[/red]"),
                      TextColumn("写入 written [green]{task.fields[written]}[/green]"),
                      TimeElapsedColumn(), console=console, transient=False) as progress:
            task = progress.add_task(f"读取 reading {path.name}", total=None, rejected=0, written=0)

            def show(counts: ImportCounts) -> None:
                progress.update(task, completed=counts.read, total=max(counts.total or 0, counts.read) or None,
                                rejected=counts.rejected, written=counts.written)

            try:
                report = import_file(registry.store, layer, path, options=options, progress=show)
            except KeyboardInterrupt:
                progress.stop()
                console.print("[yellow]已取消，未写入任何数据 / cancelled: nothing was written[/yellow]")
                raise typer.Exit(130) from None
        _print_import(report)


def _print_import(report: ImportReport) -> None:
    table = Table(title="导入结果 / Import summary" + ("（试运行 / dry run）" if report.dry_run else ""),
                  show_header=False)
    table.add_column("item", style="bold")
    table.add_column("value")
    rate = report.rows_read / report.seconds if report.seconds > 0 else 0.0
    rows = [
        ("源文件 source", f"{report.source} ({report.driver}"
                          + (f", layer {report.source_layer}" if report.source_layer else "") + ")"),
        ("目标图层 layer", report.layer_id),
        ("源坐标系 source CRS", f"EPSG:{report.source_srid} → EPSG:4490"),
        ("编码 encoding", report.encoding or "-"),
        ("几何来源 geometry", report.geometry_from),
        ("字段映射 mapping", ", ".join(f"{s}→{d}" for s, d in report.mapping.items()) or "-"),
        ("忽略的列 ignored", ", ".join(report.ignored_columns) or "-"),
        ("读取 read", str(report.rows_read)),
        ("拒绝 rejected", str(report.rows_rejected)),
        ("有效 valid", str(report.rows_valid)),
        ("写入 written", str(report.rows_written) + (" (dry run)" if report.dry_run else "")),
        ("拒绝记录 rejects file", f"{report.rejects_path} ({report.problems} problems)"),
        ("耗时 time", f"{report.seconds:.1f} s ({rate:,.0f} rows/s)"),
    ]
    for item, value in rows:
        table.add_row(item, value)
    out.print(table)
    if report.first_rejects:
        shown = Table(title=f"前 {len(report.first_rejects)} 条问题 / first problems")
        for column in ("行 row", "字段 field", "原因 reason"):
            shown.add_column(column)
        for reject in report.first_rejects:
            shown.add_row(str(reject.row), reject.field, reject.reason)
        out.print(shown)


def export_command(
    layer_id: str = typer.Option(..., "--layer", "-l", help="图层标识 / id of the layer to export"),
    fmt: ExportFormat = typer.Option(..., "--format", "-f", case_sensitive=False,
                                     help="输出格式 / output format: gpkg, geojson, shp (Shapefile) or csv (WKT)"),
    out_path: Path = typer.Option(..., "--out", "-o", help="输出文件 / output file (suffix added if missing)"),
    crs: str = typer.Option("EPSG:4490", help="输出坐标系 / output CRS: EPSG:4490 (CGCS2000, default), "
                                              "EPSG:4326 or EPSG:3857"),
    overwrite: bool = typer.Option(False, "--overwrite", help="覆盖已存在的文件 / replace existing output files"),
    acting_for: str | None = typer.Option(None, "--as", help="按此人的权限导出 / export what this person sees: "
                                                           "their region's rows, their fields, masked as they "
                                                           "read them (a name from the users file or accounts)"),
) -> None:
    """导出图层 / Export every feature of a layer to a file (GeoPackage, GeoJSON, Shapefile or CSV)."""
    with open_registry() as registry:
        srid = parse_export_srid(crs)
        layer = registry.get(layer_id)
        if acting_for is not None:
            layer = view_for(registry, layer, acting_for)
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as progress:
            total = registry.store.layer_state(layer).feature_count
            task = progress.add_task(f"导出 exporting {layer.id}", total=total)
            report = export_layer(registry.store, layer, out_path, fmt, srid=srid, overwrite=overwrite,
                                  progress=lambda n: progress.update(task, completed=n))
    renamed = {k: v for k, v in report.field_names.items() if k != v}
    out.print(f"已导出 / exported [bold]{report.features}[/bold] features of {report.layer_id} → "
              f"{report.path} ({report.format.value}, EPSG:{report.srid}, {report.seconds:.1f} s)")
    if renamed:
        out.print("字段名已缩短 / shortened field names: " + ", ".join(f"{k}→{v}" for k, v in renamed.items()))


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("export")(export_command)
