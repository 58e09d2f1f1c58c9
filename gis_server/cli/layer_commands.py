"""`onemap layers`: list, register and drop layers in the registry."""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from gis_server.cli.context import console, open_registry
from layers.registry import load_layer_file

layers_app = typer.Typer(help="图层注册表 / the layer registry: list (default), register, drop",
                         invoke_without_command=True, no_args_is_help=False)


@layers_app.callback()
def list_layers(ctx: typer.Context) -> None:
    """列出已注册图层 / List registered layers with their feature counts."""
    if ctx.invoked_subcommand is not None:
        return
    with open_registry() as registry:
        table = Table(title="已注册图层 / Registered layers")
        for column in ("id", "名称 title", "业务域 domain", "目录编码 catalogue", "几何 geometry", "要素 features",
                       "数据版本 version"):
            table.add_column(column)
        for layer in registry.all():
            state = registry.store.layer_state(layer)
            table.add_row(layer.id, f"{layer.title_zh} / {layer.title_en}", layer.domain, layer.catalogue_code,
                          layer.geometry_type.value, str(state.feature_count), str(state.data_version))
        Console().print(table)


@layers_app.command("register")
def register_file(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="YAML/JSON 图层定义文件 / definitions file"),
    replace: bool = typer.Option(False, help="替换已存在的定义 / replace existing definitions"),
) -> None:
    """注册图层 / Register the layers declared in a YAML or JSON file (running servers see them at once)."""
    try:
        layers = load_layer_file(path)
    except (ValidationError, ValueError) as exc:
        console.print(f"[red]图层定义无效 / invalid layer definition:[/red] {exc}")
        raise typer.Exit(1) from None
    with open_registry() as registry:
        for layer in layers:
            registry.register(layer, replace=replace)
            typer.echo(f"已注册 / registered: {layer.id} ({layer.title_zh})")


@layers_app.command("drop")
def drop(layer_id: str = typer.Argument(..., help="图层标识 / layer id"),
         yes: bool = typer.Option(False, "--yes", help="不再确认 / do not ask")) -> None:
    """删除图层及其全部要素 / Drop a layer and all its features."""
    if not yes:
        typer.confirm(f"删除图层 {layer_id} 及其全部数据？/ drop {layer_id} and all its data?", abort=True)
    with open_registry() as registry:
        registry.drop(layer_id)
        typer.echo(f"已删除 / dropped: {layer_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(layers_app, name="layers")
