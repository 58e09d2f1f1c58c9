"""`onemap package …`: offline packages for field staff (MBTiles / PMTiles with styles and assets).

- `build` — one file of an area's vector tiles (chosen layers, zooms), styles, sprites, glyphs and a
  manifest; `--dry-run` prints the tile count and an estimated size; a progress bar; both cores;
  Ctrl-C stops it and the same command resumes it.
- `update` — a patch of only the tiles whose data changed since the package's data versions;
  `apply` — the package with a patch applied (byte-identical tiles to a fresh build).
- `info` — a package's manifest; `verify` — every part's hash against the manifest.
- `serve` (`package_serve.py`) — open a package on a laptop; `items`, `sync` (`package_field.py`) —
  the field work a package carries (`build --assigned-to NAME`), and sending it back.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from gis_server.cli.context import console, open_registry
from gis_server.cli.package_field import actor_named, register_field
from gis_server.cli.package_serve import register_serve
from gis_server.package_fieldwork import with_fieldwork
from gis_server.settings import get_settings
from layers.errors import OneMapError
from tiles.packages.build import BuildReport, build_package, estimate
from tiles.packages.container import PackageError
from tiles.packages.inspect import read_manifest, verify_package
from tiles.packages.plan import plan_package
from tiles.packages.requests import build_request
from tiles.packages.update import apply_patch, build_patch

package_app = typer.Typer(help="离线包 / offline packages: build, update, apply, serve, items, sync, info, verify",
                          no_args_is_help=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[red]错误 / error:[/red] {message}")
    return typer.Exit(code)


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GB"


@package_app.command("build")
def build(
    area: str = typer.Option(..., "--area", help="范围：经纬度 minx,miny,maxx,maxy、GeoJSON 面文件或市州名称"
                             "（如 长春市）/ a lon/lat box, a GeoJSON polygon file or a prefecture name"),
    zooms: str = typer.Option("5-14", "--zooms", help="缩放级别，如 5-16 / zooms, e.g. 5-16"),
    layers: str = typer.Option(..., "--layers", help="图层标识，逗号分隔 / layer ids, comma-separated"),
    fmt: str = typer.Option("mbtiles", "--format", help="mbtiles 或 pmtiles / mbtiles or pmtiles"),
    out: Path = typer.Option(..., "--out", help="输出文件 / output file"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只估算瓦片数和大小 / only count the tiles and estimate "
                                 "the size"),
    workers: int = typer.Option(os.cpu_count() or 2, "--workers", min=1, help="进程数 / worker processes"),
    builder: str | None = typer.Option(None, "--builder", help="制作人（写入清单）/ who builds it (in the manifest)"),
    assigned_to: str | None = typer.Option(None, "--assigned-to", help="带上此人（用户文件中的登录名）在范围内待办的"
                                           "事项，可离线编辑 / carry this person's open items in the area as an "
                                           "editable GeoPackage (login name in ONEMAP_USERS_FILE)"),
) -> None:
    """制作离线包 / Build an offline package (resumable: run the same command again to continue)."""
    settings = get_settings()
    with open_registry() as registry:
        try:
            request = build_request(area=area, zooms=zooms, layers=layers, fmt=fmt, out=out,
                                    builder=builder or getpass.getuser(), store=registry.store,
                                    registered=registry.all())
            if assigned_to is not None and not dry_run:
                request = with_fieldwork(request, registry.store, registry.all(), actor_named(assigned_to))
        except OneMapError as exc:
            raise _fail(exc.message) from None
    if dry_run:
        plan = plan_package(request.area, request.zooms, request.layers)
        guess = estimate(plan, settings.database_url)
        by_zoom = ", ".join(f"z{z}: {count:,}" for z, count in guess.tiles_by_zoom.items())
        typer.echo(f"范围 / area: {request.area.name}  {tuple(round(v, 4) for v in request.area.bbox)}")
        typer.echo(f"瓦片数 / tiles: {guess.tiles:,} ({by_zoom})")
        typer.echo(f"估计大小 / estimated size: {_size(guess.bytes)} (抽样 / from {guess.sampled} sample tiles)")
        return
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("制作离线包 / building", total=None)

        def started(report: BuildReport) -> None:
            progress.update(task, total=report.total_tiles, completed=report.skipped_tiles)

        try:
            report = build_package(request, settings.database_url, workers=workers, on_start=started,
                                   on_progress=lambda tiles: progress.update(task, advance=tiles))
        except (OneMapError, PackageError) as exc:
            progress.stop()
            raise _fail(getattr(exc, "message", str(exc)), 1) from None
    if report.errors:
        raise _fail(f"制作失败 / the build failed: {report.errors[0]}", 1)
    if report.interrupted:
        console.print("[yellow]已中断；重新运行同一命令即可继续 / interrupted; run the same command again to "
                      f"resume.[/yellow] {report.done_tiles + report.skipped_tiles:,}/{report.total_tiles:,}")
        raise typer.Exit(130)
    manifest = report.manifest
    assert manifest is not None
    resumed = f"，续做 / resumed, {report.skipped_tiles:,} 已完成 / done before" if report.resumed else ""
    console.print(f"[green]完成 / done:[/green] {out} — {manifest.tile_count:,} 个瓦片 / tiles stored of "
                  f"{report.total_tiles:,} planned{resumed}; {_size(out.stat().st_size)}; {report.seconds:.1f} s")


@package_app.command("info")
def info(path: Path = typer.Argument(..., help="离线包文件 / package file")) -> None:
    """查看离线包清单 / Show a package's manifest."""
    try:
        manifest = read_manifest(path)
    except PackageError as exc:
        raise _fail(str(exc), 1) from None
    typer.echo(manifest.to_bytes().decode())


@package_app.command("verify")
def verify(path: Path = typer.Argument(..., help="离线包文件 / package file")) -> None:
    """校验离线包 / Check every part of a package against its manifest's hashes."""
    try:
        problems = verify_package(path)
    except PackageError as exc:
        raise _fail(str(exc), 1) from None
    if problems:
        for problem in problems:
            console.print(f"[red]✗[/red] {problem}")
        raise typer.Exit(1)
    console.print(f"[green]完好 / intact:[/green] {path}")


@package_app.command("update")
def update(
    path: Path = typer.Argument(..., help="此前制作的离线包 / a package built earlier"),
    out: Path | None = typer.Option(None, "--out", help="更新包文件 / patch file (default: <FILE>.patch.<format>)"),
    workers: int = typer.Option(os.cpu_count() or 2, "--workers", min=1, help="进程数 / worker processes"),
) -> None:
    """制作增量更新包 / Build a patch holding only the tiles whose data changed since the package was built."""
    try:
        manifest = read_manifest(path)
        target = out or path.with_name(f"{path.stem}.patch.{manifest.format}")
        report = build_patch(path, get_settings().database_url, target, workers=workers)
    except (OneMapError, PackageError) as exc:
        raise _fail(getattr(exc, "message", str(exc)), 1) from None
    console.print(f"[green]完成 / done:[/green] {target} — {report.changed:,} 个瓦片更新 / tiles changed, "
                  f"{report.deleted:,} 个删除 / removed (检查 / checked {report.candidates:,}); "
                  f"{_size(target.stat().st_size)}")


@package_app.command("apply")
def apply(
    path: Path = typer.Argument(..., help="离线包 / the package"),
    patch: Path = typer.Argument(..., help="更新包 / the patch made for it"),
    out: Path = typer.Option(..., "--out", help="更新后的离线包 / the updated package"),
) -> None:
    """应用增量更新 / Apply a patch to its package, writing the updated package."""
    try:
        manifest = apply_patch(path, patch, out)
    except PackageError as exc:
        raise _fail(str(exc), 1) from None
    console.print(f"[green]完成 / done:[/green] {out} — {manifest.tile_count:,} 个瓦片 / tiles")


register_serve(package_app)
register_field(package_app)


def register(app: typer.Typer) -> None:
    app.add_typer(package_app, name="package")
