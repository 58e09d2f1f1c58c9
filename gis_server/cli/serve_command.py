"""`onemap serve`: run the web server."""

from __future__ import annotations

import os

import typer
import uvicorn

from gis_server.settings import get_settings


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option(None, help="监听地址 / address to bind (default ONEMAP_HOST or 127.0.0.1)"),
        port: int = typer.Option(None, help="端口 / port (default ONEMAP_PORT or 8000)"),
        workers: int = typer.Option(1, min=1, help="工作进程数 / worker processes (all share the registry)"),
        reload: bool = typer.Option(False, help="代码改动时重启 / restart on code changes (development)"),
        warm_up: bool = typer.Option(True, help="启动前预热首屏地图（样式与概览瓦片）/ render the map's first view "
                                                "into the tile cache before taking requests (ONEMAP_WARM_UP)"),
    ) -> None:
        """启动服务 / Serve the OGC APIs and web pages on the configured store."""
        if not warm_up:  # read by every worker's settings; ONEMAP_WARM_UP=0 also turns it off
            os.environ["ONEMAP_WARM_UP"] = "0"
        os.environ.setdefault("ONEMAP_WARM_UP", "1")
        settings = get_settings()
        host = host or settings.host
        port = port or settings.port
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
        typer.echo(f"OneMap 已启动 / running at: http://{shown}:{port}/map  (store: {settings.database_url})")
        uvicorn.run("gis_server.asgi:app", host=host, port=port, workers=workers, reload=reload,
                    proxy_headers=True, log_level="info")
