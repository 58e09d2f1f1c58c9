"""`onemap secrets`: the SM4-encrypted (secret) fields of the store — key rotation and a census by key.

- `rotate [--layer ID]` — re-encrypt every stored secret value under the active key (and encrypt
  values written before their field was marked secret), in batches, each its own transaction with a
  `key_rotation` audit record; run it again to resume after an interruption.
- `status [--layer ID]` — per layer and field, how many values are under each key id: a key can leave
  the ring when no value is under it any more (docs/security.md, "Field encryption").
"""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gis_server.cli.context import console, open_registry
from layers.errors import OneMapError
from layers.model import LayerDefinition
from layers.protect.field_secrets import secret_fields
from layers.protect.secret_rotation import DEFAULT_BATCH, RotationReport, census, pending_rows, rotate_layer
from layers.registry import LayerRegistry

secrets_app = typer.Typer(help="加密字段（SM4）/ secret fields (SM4): rotate keys, count values by key",
                          no_args_is_help=True)


def _layers(registry: LayerRegistry, layer_id: str | None) -> list[LayerDefinition]:
    if layer_id is None:
        return [layer for layer in registry.all() if secret_fields(layer)]
    layer = registry.get(layer_id)
    if not secret_fields(layer):
        console.print(f"[red]错误 / error:[/red] 图层 {layer.id} 没有加密字段 / layer {layer.id!r} has no secret "
                      "fields")
        raise typer.Exit(2)
    return [layer]


@secrets_app.command("rotate")
def rotate_command(
    layer_id: str | None = typer.Option(None, "--layer", "-l", help="只处理此图层 / only this layer "
                                                                     "(default: every layer with secret fields)"),
    batch_size: int = typer.Option(DEFAULT_BATCH, "--batch-size", min=1, help="每个事务处理的行数 / rows per "
                                                                              "transaction"),
) -> None:
    """以当前密钥重新加密 / Re-encrypt every secret value under the active SM4 key (resumable: run it again)."""
    with open_registry() as registry:
        store = registry.store
        layers = _layers(registry, layer_id)
        if not layers:
            typer.echo("没有含加密字段的图层 / no layer has secret fields")
            return
        cipher = store.secrets.cipher()  # type: ignore[attr-defined]
        typer.echo(f"当前密钥 / active key: {cipher.keyring.active_id}")
        reports: list[RotationReport] = []
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as progress:
            for layer in layers:
                task = progress.add_task(f"{layer.id}", total=pending_rows(store, layer))
                try:
                    reports.append(rotate_layer(store, layer, cipher, batch_size=batch_size,
                                                progress=lambda r, t=task: progress.update(t, completed=r.rows)))
                except OneMapError as exc:
                    progress.stop()
                    console.print(f"[red]错误 / error:[/red] {layer.id}: {exc.message}")
                    console.print("已完成的批次已提交；修正后重新运行即可继续 / finished batches are committed; "
                                  "fix the problem and run the command again to continue")
                    raise typer.Exit(1) from None
    for report in reports:
        typer.echo(f"{report.layer_id}: 重新加密 / re-encrypted {report.rewrapped}, 加密明文 / encrypted plaintext "
                   f"{report.encrypted}, 已是当前密钥 / already current {report.current} "
                   f"({report.rows} rows, {report.batches} batches)")


@secrets_app.command("status")
def status_command(
    layer_id: str | None = typer.Option(None, "--layer", "-l", help="只看此图层 / only this layer"),
) -> None:
    """按密钥统计加密值 / Count stored secret values by key id (and values still in plaintext)."""
    with open_registry() as registry:
        layers = _layers(registry, layer_id)
        if not layers:
            typer.echo("没有含加密字段的图层 / no layer has secret fields")
            return
        for layer in layers:
            for name, counts in census(registry.store, layer).items():
                shown = ", ".join(f"{key} {count}" for key, count in sorted(counts.items())) or "-"
                typer.echo(f"{layer.id}.{name}: {shown}")


def register(app: typer.Typer) -> None:
    app.add_typer(secrets_app, name="secrets")
