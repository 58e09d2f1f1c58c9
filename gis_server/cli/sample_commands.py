"""`onemap load-samples` and `onemap samples generate`: the Jilin sample data."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from gis_server.cli.context import console, open_registry
from gis_server.cli.enc_pilot import load_pilot_samples

samples_app = typer.Typer(help="吉林示例数据 / the Jilin sample data", no_args_is_help=True)


@samples_app.command("generate")
def generate(
    out_dir: Path = typer.Argument(None, help="输出目录 / output directory (default data/samples/base)"),
) -> None:
    """重新生成示例数据 / Regenerate the deterministic Jilin base-geography samples."""
    from domains.base import sample_dir
    from domains.base.generate import generate as run

    counts = run(out_dir or sample_dir())
    for layer_id, count in counts.items():
        typer.echo(f"{layer_id}: {count}")


def load_samples(replace: bool = typer.Option(False, help="清空后重新装载 / reload layers that already hold data"),
                 ) -> None:
    """装载吉林示例数据 / Register the Jilin base layers and load their sample features, the Songhua pilot
    chart and its gauge readings (idempotent)."""
    from domains.base import layer_file, sample_dir
    from layers.io.importer import ImportOptions, import_file
    from layers.registry import load_layer_file

    with open_registry() as registry:
        registered = {layer.id for layer in registry.all()}
        for layer in load_layer_file(layer_file()):
            if layer.id in registered:
                registry.register(layer, replace=True)
                count = registry.store.layer_state(layer).feature_count
                if count and not replace:
                    typer.echo(f"{layer.id}: 已有 {count} 个要素，跳过 / already loaded, skipped")
                    continue
                registry.drop(layer.id)
            registry.register(layer)
            with tempfile.TemporaryDirectory() as scratch:
                options = ImportOptions(rejects_path=Path(scratch) / "rejects.csv")
                report = import_file(registry.store, layer, sample_dir() / f"{layer.id}.geojson", options=options)
            if report.rows_rejected:
                console.print(f"[red]{layer.id}: {report.rows_rejected} 条记录被拒绝 / rows rejected[/red]")
                raise typer.Exit(1)
            typer.echo(f"{layer.id}: 装载 {report.rows_written} 个要素 / loaded {report.rows_written} features")
        load_pilot_samples(registry)


def register(app: typer.Typer) -> None:
    app.add_typer(samples_app, name="samples")
    app.command("load-samples")(load_samples)
