"""Entry point of the `onemap` command."""

from __future__ import annotations

import typer

from gis_server.cli import (
    audit_commands,
    enc_commands,
    io_commands,
    layer_commands,
    package_commands,
    position_commands,
    sample_commands,
    serve_command,
    tile_commands,
    workflow_commands,
)

app = typer.Typer(
    name="onemap",
    help="OneMap 交通地理信息平台 — the transport GIS platform: serve OGC APIs, manage layers, "
    "import/export data, load the Jilin sample data. The store is chosen by ONEMAP_DATABASE_URL "
    "(default: an embedded GeoPackage at ./var/onemap.gpkg).",
    no_args_is_help=True,
    add_completion=False,
)

for module in (serve_command, layer_commands, io_commands, sample_commands, tile_commands, enc_commands,
               workflow_commands, position_commands, package_commands, audit_commands):
    module.register(app)

if __name__ == "__main__":
    app()
