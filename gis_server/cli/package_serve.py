"""`onemap package serve FILE`: open an offline package on a laptop, with the platform's offline map page.

The package is verified against its manifest first; a damaged, altered or unreadable package is refused
(exit code 1, the reasons printed) and nothing is served. Otherwise the command prints the map's address
and serves the package (`gis_server.package_server`) until stopped.
"""

from __future__ import annotations

from pathlib import Path

import typer
import uvicorn
from rich.markup import escape

from gis_server.cli.context import console
from gis_server.package_server import OFFLINE_PAGE, create_package_app
from tiles.packages.container import PackageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700


def register_serve(package_app: typer.Typer) -> None:
    @package_app.command("serve")
    def serve(
        path: Path = typer.Argument(..., help="离线包文件（MBTiles 或 PMTiles）/ package file (MBTiles or PMTiles)"),
        host: str = typer.Option(DEFAULT_HOST, "--host", help="监听地址 / address to bind"),
        port: int = typer.Option(DEFAULT_PORT, "--port", min=1, max=65535, help="端口 / port"),
    ) -> None:
        """在本机打开离线包 / Serve an offline package with the offline map page (after verifying it)."""
        try:
            app = create_package_app(path)
        except PackageError as exc:
            console.print("[red]错误 / error:[/red]", escape(str(exc)), soft_wrap=True)
            raise typer.Exit(1) from None
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
        typer.echo(f"离线地图已启动 / offline map at: http://{shown}:{port}{OFFLINE_PAGE}  (package: {path})")
        uvicorn.run(app, host=host, port=port, log_level="warning")


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "register_serve"]
