"""Fixtures for linear referencing: the committed sample roads as an index and in a store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from domains.base import layer_file, sample_dir
from domains.base.linear_ref import RoadIndex
from layers.io.importer import ImportOptions, import_file
from layers.model import LayerDefinition
from layers.registry import LayerRegistry, load_layer_file
from layers.stores import open_store


def sample_features(layer_id: str) -> list[dict]:
    with (sample_dir() / f"{layer_id}.geojson").open(encoding="utf-8") as handle:
        return json.load(handle)["features"]


@pytest.fixture(scope="session")
def roads() -> list[dict]:
    return sample_features("roads")


@pytest.fixture(scope="session")
def sample_index(roads: list[dict]) -> RoadIndex:
    return RoadIndex.from_features((f["geometry"], f["properties"]) for f in roads)


def base_layer(layer_id: str) -> LayerDefinition:
    return next(layer for layer in load_layer_file(layer_file()) if layer.id == layer_id)


def load_base(registry: LayerRegistry, layer_id: str, scratch: Path) -> None:
    """Register a base layer and import its committed samples."""
    layer = base_layer(layer_id)
    registry.register(layer)
    report = import_file(registry.store, layer, sample_dir() / f"{layer_id}.geojson",
                         options=ImportOptions(rejects_path=scratch / "rejects.csv"))
    assert report.rows_rejected == 0


@pytest.fixture
def roads_registry(store_url: str, tmp_path: Path) -> Iterator[LayerRegistry]:
    """A store of each kind holding the sample roads."""
    store = open_store(store_url)
    registry = LayerRegistry(store)
    load_base(registry, "roads", tmp_path)
    yield registry
    registry.close()
    store.close()
