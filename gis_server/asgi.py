"""ASGI entry point for uvicorn workers: `uvicorn gis_server.asgi:app`."""

from gis_server.app import create_app

app = create_app()
