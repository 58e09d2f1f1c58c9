"""The layer registry: every layer's declaration, shared by all worker processes through the store.

Definitions live in the store's registry table; each process keeps a copy and reloads it when
the store's registry revision moves, so a layer registered in one worker (or by the CLI) is
seen by every other on its next request, with no restart.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from layers.errors import LayerNotFound
from layers.model import LayerDefinition
from layers.stores.base import ChangeWatch, FeatureStore


class LayerRegistry:
    def __init__(self, store: FeatureStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._revision = -1
        self._layers: dict[str, LayerDefinition] = {}
        self._watch: ChangeWatch | None = None

    def refresh(self) -> None:
        """Reload definitions if another process (or this one) changed them."""
        revision = self.store.registry_revision()
        if revision == self._revision:
            return
        with self._lock:
            if revision == self._revision:
                return
            layers = self.store.load_layer_definitions()
            self._layers = {layer.id: layer for layer in layers}
            self._revision = revision

    def _unchanged(self) -> bool:
        """True if definitions are loaded and the store's change watch has seen no write since."""
        with self._lock:
            if self._watch is None:
                self._watch = self.store.change_watch()
            unchanged = not self._watch.changed()
        return unchanged and self._revision >= 0

    def peek(self, layer_id: str) -> LayerDefinition | None:
        """The definition as last loaded, if the store's change watch says nothing was written since
        (no database round trip); None means "ask `get`". For hot paths such as tiles."""
        return self._layers.get(layer_id) if self._unchanged() else None

    def all_quick(self) -> list[LayerDefinition]:
        """`all`, without the revision read while the change watch has seen no write."""
        return list(self._layers.values()) if self._unchanged() else self.all()

    def get_quick(self, layer_id: str) -> LayerDefinition:
        """`peek`, falling back to `get` (a revision read) when the watch saw a write or the id is unknown."""
        return self.peek(layer_id) or self.get(layer_id)

    def close(self) -> None:
        with self._lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None

    def all(self) -> list[LayerDefinition]:
        self.refresh()
        return list(self._layers.values())

    def get(self, layer_id: str) -> LayerDefinition:
        self.refresh()
        layer = self._layers.get(layer_id)
        if layer is None:
            raise LayerNotFound(f"图层不存在 / no collection with id {layer_id!r}")
        return layer

    def register(self, layer: LayerDefinition, *, replace: bool = False) -> LayerDefinition:
        self.store.register_layer(layer, replace=replace)
        self.refresh()
        return layer

    def register_many(self, layers: Iterable[LayerDefinition], *, replace: bool = False) -> None:
        for layer in layers:
            self.store.register_layer(layer, replace=replace)
        self.refresh()

    def drop(self, layer_id: str) -> None:
        self.store.drop_layer(layer_id)
        self.refresh()


def parse_layer_documents(data: Any) -> list[LayerDefinition]:
    """A YAML/JSON document: one definition, a list, or `{layers: [...]}` → definitions."""
    if isinstance(data, dict) and "layers" in data:
        data = data["layers"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError("layer document must be a mapping, a list, or {layers: [...]}")
    return [LayerDefinition.model_validate(item) for item in data]


def load_layer_file(path: Path) -> list[LayerDefinition]:
    """Read layer definitions from a YAML (or JSON) file."""
    with path.open(encoding="utf-8") as handle:
        return parse_layer_documents(yaml.safe_load(handle))
