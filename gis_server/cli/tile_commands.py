"""`onemap tiles seed` and `onemap tiles clear`: fill and empty the vector-tile cache.

`seed` renders the tiles of some layers over a lon/lat box at some zooms into the disk cache (and
Redis when ONEMAP_REDIS_URL is set) with a progress bar, on every core (`--workers`); Ctrl-C stops
it cleanly and running the same command again resumes where it stopped. `clear` removes this
database's cached tiles (all, or those of some layers) and the seed journals.
"""

from __future__ import annotations

import os
import shutil

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from gis_server.cli.context import console, open_registry
from gis_server.settings import get_settings
from layers.errors import OneMapError
from tiles.cache.seed import JOURNAL_DIR, SeedJob, SeedReport, parse_bbox, parse_zooms, run_seed
from tiles.cache.settings import CacheSettings

tiles_app = typer.Typer(help="矢量瓦片缓存 / the vector-tile cache: seed, clear", no_args_is_help=True)


def _ids(text: str) -> list[str]:
    ids = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not ids:
        console.print("[red]错误 / error:[/red] --layers 不能为空 / --layers must name at least one layer")
        raise typer.Exit(2)
    return ids


def _default_bbox(ids: list[str]) -> tuple[float, float, float, float]:
    """The union of the layers' extents."""
    with open_registry() as registry:
        boxes = [registry.store.layer_state(registry.get(i)).bbox for i in ids]
    boxes = [box for box in boxes if box is not None]
    if not boxes:
        console.print("[red]错误 / error:[/red] 图层没有要素，请给出 --bbox / the layers hold no features: give --bbox")
        raise typer.Exit(1)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


@tiles_app.command("seed")
def seed(
    layers: str = typer.Option(..., "--layers", help="图层标识，逗号分隔 / layer ids, comma-separated"),
    zooms: str = typer.Option(..., "--zooms", help="缩放级别，如 5-12 或 5,7,9 / tile matrices, e.g. 5-12 or 5,7,9"),
    bbox: str | None = typer.Option(None, "--bbox", help="经纬度范围 minx,miny,maxx,maxy / lon/lat box "
                                    "(default: the layers' extent)"),
    tms: str = typer.Option("WebMercatorQuad", "--tms", help="瓦片矩阵集 / tile matrix set"),
    workers: int = typer.Option(os.cpu_count() or 2, "--workers", min=1, help="进程数 / worker processes"),
    composite: bool = typer.Option(False, "--composite", help="预生成多图层合成瓦片（/tiles?collections=…，按给定顺序）"
                                   "而非各图层瓦片 / seed the one multi-layer tileset (/tiles?collections=…, in "
                                   "this order) instead of each layer's own"),
) -> None:
    """预生成瓦片缓存 / Render tiles into the cache (resumable: run the same command again to continue)."""
    ids = _ids(layers)
    try:
        job = SeedJob(
            layer_sets=(tuple(ids),) if composite else tuple((i,) for i in ids),
            tms=tms,
            zooms=parse_zooms(zooms),
            bbox=parse_bbox(bbox) if bbox is not None else _default_bbox(ids),
        )
    except OneMapError as exc:
        console.print(f"[red]错误 / error:[/red] {exc.message}")
        raise typer.Exit(2) from None
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("渲染 rendered {task.fields[rendered]}"), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("预生成瓦片 / seeding", total=None, rendered=0)

        def started(report: SeedReport) -> None:
            progress.update(task, total=report.total_tiles, completed=report.skipped_tiles)

        def advanced(tiles: int, rendered: int) -> None:
            current = progress.tasks[0].fields["rendered"]
            progress.update(task, advance=tiles, rendered=current + rendered)

        try:
            report = run_seed(job, get_settings().database_url, CacheSettings.from_env(), workers=workers,
                              on_start=started, on_progress=advanced)
        except OneMapError as exc:
            progress.stop()
            console.print(f"[red]错误 / error:[/red] {exc.message}")
            raise typer.Exit(1) from None
    summary = (f"{report.skipped_tiles + report.done_tiles}/{report.total_tiles} 个瓦片完成 / tiles done "
               f"({report.rendered} 新渲染 / rendered now, {report.skipped_tiles} 此前已完成 / done before, "
               f"{len(report.pids)} 个进程 / processes)")
    if report.errors:
        console.print(f"[red]预生成失败 / seeding failed:[/red] {report.errors[0]}")
        console.print(summary)
        raise typer.Exit(1)
    if report.interrupted:
        console.print(f"[yellow]已中断；重新运行同一命令即可继续 / interrupted; run the same command again to "
                      f"resume.[/yellow] {summary}")
        raise typer.Exit(130)
    console.print(f"[green]完成 / done:[/green] {summary}")


@tiles_app.command("clear")
def clear(
    layers: str | None = typer.Option(None, "--layers", help="只清除这些图层的瓦片 / only tiles holding these "
                                      "layers (comma-separated)"),
) -> None:
    """清除瓦片缓存 / Remove this database's cached tiles (disk and Redis) and its seed journals."""
    from tiles.cache.disk import DiskTier
    from tiles.cache.tiered import namespace

    settings = CacheSettings.from_env()
    wanted = frozenset(_ids(layers)) if layers is not None else None
    with open_registry() as registry:
        space = namespace(registry.store)
    removed = 0
    if settings.disk_dir is not None:
        removed += DiskTier(settings.disk_dir, space).clear(wanted)
        shutil.rmtree(settings.disk_dir / space / JOURNAL_DIR, ignore_errors=True)
    if settings.redis_url:
        from tiles.cache.redis_tier import RedisTier

        tier = RedisTier(settings.redis_url, space, settings.redis_ttl)
        try:
            removed += tier.clear(wanted)
        finally:
            tier.close()
    typer.echo(f"已清除 / cleared: {removed} 个瓦片集或瓦片 / tilesets (disk) and tiles (Redis) of {space}")


def register(app: typer.Typer) -> None:
    app.add_typer(tiles_app, name="tiles")
