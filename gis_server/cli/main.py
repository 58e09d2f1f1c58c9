"""Entry point of the `onemap` command."""

from __future__ import annotations

import typer

from gis_server.cli import (
    audit_commands,
    enc_commands,
    identity_commands,
    io_commands,
    layer_commands,
    package_commands,
    position_commands,
    sample_commands,
    secret_commands,
    serve_command,
    tile_commands,
    workflow_commands,
)
from layers.protect.audit_context import cli_actor, reset_actor, set_actor

app = typer.Typer(
    name="onemap",
    help="OneMap 交通地理信息平台 — the transport GIS platform: serve OGC APIs, manage layers, "
    "import/export data, load the Jilin sample data. The store is chosen by ONEMAP_DATABASE_URL "
    "(default: an embedded GeoPackage at ./var/onemap.gpkg).",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _acting_from_the_shell(ctx: typer.Context) -> None:
    # Writes, exports and package builds of a command are audited as `cli:<OS user>`; a server started
    # here audits its callers instead (and its own background work as `system`).
    if ctx.invoked_subcommand == "serve":
        return
    token = set_actor(cli_actor())
    ctx.call_on_close(lambda: reset_actor(token))


for module in (serve_command, layer_commands, io_commands, sample_commands, tile_commands, enc_commands,
               workflow_commands, position_commands, package_commands, audit_commands, identity_commands,
               secret_commands):
    module.register(app)

if __name__ == "__main__":
    app()
