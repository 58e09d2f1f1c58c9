"""`onemap package items` and `onemap package sync`: field work in offline packages.

- `items FILE --out items.gpkg` — the editable GeoPackage of the assigned items a package carries
  (built with `onemap package build … --assigned-to NAME`), for a field app (QGIS/QField, or ours);
- `sync FILE` — send back what was recorded offline, from the package or the GeoPackage taken out
  of it: edits to items nobody changed meanwhile are applied through the workflow rules, the others
  kept as conflicts for a supervisor; a file synced twice applies once (docs/fieldwork.md).

People are looked up by login name in `ONEMAP_USERS_FILE` (their current roles apply).
"""

from __future__ import annotations

from pathlib import Path

import typer

from domains.fieldwork import FieldworkError, read_package
from domains.workflow import Actor
from gis_server.cli.context import console, open_registry
from gis_server.package_fieldwork import FIELD_PART, sync_file, take_items
from gis_server.settings import get_settings
from gis_server.users import UsersFileError, load_users
from layers.errors import OneMapError
from tiles.packages.container import PackageError
from tiles.packages.inspect import read_manifest


def actor_named(name: str) -> Actor:
    """The person with this login name in the users file, as the workflow sees them."""
    path = get_settings().users_file
    if path is None:
        raise typer.BadParameter("未配置用户文件 / ONEMAP_USERS_FILE is not set: people are looked up there")
    try:
        user = load_users(path).by_name(name)
    except UsersFileError as exc:
        raise typer.BadParameter(str(exc)) from None
    if user is None:
        raise typer.BadParameter(f"用户文件中没有 {name!r} / no user {name!r} in {path}")
    return Actor(name=user.name, roles=user.roles, organisation=user.organisation, region=user.region,
                 display_name=user.display_name)


def _owner(path: Path) -> str:
    """Whose field work a file carries: the package's manifest, or the GeoPackage's own record."""
    try:
        manifest = read_manifest(path)
    except PackageError:
        return read_package(path).info.user
    if not manifest.fieldwork:
        raise PackageError(f"离线包中没有现场作业数据 / the package carries no field work: {path}")
    return str(manifest.fieldwork["user"])


def register_field(package_app: typer.Typer) -> None:
    @package_app.command("items")
    def items(
        path: Path = typer.Argument(..., help="离线包 / the package"),
        out: Path = typer.Option(..., "--out", help="可编辑的 GeoPackage / the editable GeoPackage to write"),
    ) -> None:
        """取出现场作业数据 / Write the package's assigned items as an editable GeoPackage for a field app."""
        try:
            take_items(path, out)
        except PackageError as exc:
            console.print(f"[red]错误 / error:[/red] {exc}")
            raise typer.Exit(1) from None
        console.print(f"[green]完成 / done:[/green] {out} ({FIELD_PART})")

    @package_app.command("sync")
    def sync(
        path: Path = typer.Argument(..., help="带回的离线包或现场作业 GeoPackage / the returned package or GeoPackage"),
        as_user: str | None = typer.Option(None, "--as", help="同步人（默认：离线包记录的人员）/ who syncs "
                                           "(default: the person the package was built for)"),
    ) -> None:
        """回传现场记录 / Send back what was recorded offline (applied once; conflicts kept for a supervisor)."""
        try:
            actor = actor_named(as_user or _owner(path))
            with open_registry() as registry:
                report = sync_file(path, registry.store, registry.all(), actor)
        except (PackageError, FieldworkError, OneMapError) as exc:
            console.print(f"[red]错误 / error:[/red] {getattr(exc, 'message', None) or exc}")
            raise typer.Exit(1) from None
        counts = report.as_json()["counts"]
        console.print(f"[green]已同步 / synced:[/green] {counts['applied']} 已应用 / applied, {counts['skipped']} "
                      f"此前已同步 / already synced, {counts['conflicts']} 冲突待处理 / conflicts for a supervisor, "
                      f"{counts['rejected']} 被拒绝 / rejected")
        for outcome in (*report.conflicts, *report.rejected):
            data = outcome.as_json()
            console.print(f"  - {data.get('edit_id')}: {data.get('reason')}")


__all__ = ["actor_named", "register_field"]
