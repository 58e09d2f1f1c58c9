"""Fixtures of the field-work tests: the test workflow layer on each store (`store_url`), its items, and
li.si's field package exported from them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domains.fieldwork import field_items, write_field_gpkg
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.fieldwork.support import LAYER, OFFICER, T_EXPORT, Items, make_items


@pytest.fixture
def registry(store_url: str) -> Iterator[LayerRegistry]:
    store = open_store(store_url)
    registry = LayerRegistry(store)
    registry.register(LAYER)
    yield registry
    registry.close()
    store.close()


@pytest.fixture
def store(registry: LayerRegistry) -> Any:
    return registry.store


@pytest.fixture
def items(store: Any) -> Items:
    return make_items(store)


@pytest.fixture
def package(store: Any, registry: LayerRegistry, items: Items, tmp_path: Path) -> Path:
    """li.si's field package, built at T_EXPORT."""
    path = tmp_path / "li.si.gpkg"
    picked = field_items(store, registry.all(), OFFICER, now=T_EXPORT)
    write_field_gpkg(picked, path, package_id="pkg-0001", actor=OFFICER)
    return path
