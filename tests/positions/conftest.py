"""Fixtures of the position tests: the road-transport domain over each store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from layers.registry import LayerRegistry
from tests.positions.support import open_domain


@pytest.fixture
def rt(store_url: str) -> Iterator[LayerRegistry]:
    """The road-transport layers, the clue layer, two test roads and one dangerous-goods vehicle."""
    registry = open_domain(store_url)
    yield registry
    registry.close()
    registry.store.close()
