"""Opening the configured store and registry for a CLI command, with user errors shown plainly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from gis_server.settings import get_settings
from layers.errors import OneMapError
from layers.registry import LayerRegistry
from layers.stores import open_store

console = Console(stderr=True)


@contextmanager
def open_registry() -> Iterator[LayerRegistry]:
    """The registry over the store ONEMAP_DATABASE_URL names; OneMap errors exit with code 1."""
    try:
        store = open_store(get_settings().database_url)
    except OneMapError as exc:
        console.print(f"[red]错误 / error:[/red] {exc.message}")
        raise typer.Exit(1) from None
    try:
        yield LayerRegistry(store)
    except OneMapError as exc:
        console.print(f"[red]错误 / error:[/red] {exc.message}")
        raise typer.Exit(1) from None
    finally:
        store.close()
