"""Which items go out in a person's field package: the open workflow items they hold.

`field_items` picks, in the workflow layers the person may handle (and read), the items that are
open (state not terminal) and held by them (`holder` = their account name or their display name),
optionally only those meeting an area polygon (lon/lat). Each item is read once with its feature
version (`server_version` in the package: what sync compares against) and with the transitions the
person's roles allow from its current state. The field-work layers themselves never go out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import orjson
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from domains.fieldwork.errors import FieldworkError
from domains.fieldwork.layout import PLATFORM_TABLES
from domains.fieldwork.records import DOMAIN
from domains.workflow.actor import Actor
from domains.workflow.deadlines import utc_now
from domains.workflow.engine import STORAGE
from layers.access.view import roles_may_read
from layers.errors import FeatureNotFound
from layers.filters.parse import parse_filter
from layers.model import LayerDefinition
from layers.query import FeatureQuery
from layers.stores.base import FeatureStore
from layers.workflow import HOLDER_FIELD, STATE_FIELD, WorkflowTransition

PAGE = 2_000
PUBLIC = "public"


@dataclass(frozen=True, slots=True)
class FieldItem:
    """One item as exported: its server id and version, properties (Python values) and geometry."""

    fid: int
    version: int
    properties: dict[str, object]
    geometry: BaseGeometry
    #: The transitions the person may make from the item's current state, in declaration order.
    transitions: tuple[WorkflowTransition, ...] = ()


@dataclass(frozen=True, slots=True)
class LayerItems:
    layer: LayerDefinition
    items: tuple[FieldItem, ...]


@dataclass(frozen=True, slots=True)
class FieldItems:
    """What a field package carries for one person, read at `built_at` from the store `instance_id`."""

    actor: Actor
    built_at: datetime
    instance_id: str
    layers: tuple[LayerItems, ...] = field(default=())

    @property
    def count(self) -> int:
        return sum(len(group.items) for group in self.layers)


def field_items(store: FeatureStore, registry_layers: Sequence[LayerDefinition], actor: Actor, *,
                layer_ids: Sequence[str] | None = None, area: BaseGeometry | None = None,
                now: datetime | None = None) -> FieldItems:
    """The open items `actor` holds in the workflow layers they may handle (see the module docstring).

    `layer_ids` limits the layers (an id that is not such a layer → `FieldworkError`); `area` keeps the
    items whose geometry meets it.
    """
    chosen = _layers(registry_layers, actor, layer_ids)
    if area is not None and (area.is_empty or not area.is_valid):
        raise FieldworkError("区域范围无效 / the area polygon is empty or invalid")
    names = sorted({name for name in (actor.name, actor.display_name) if name})
    groups: list[LayerItems] = []
    for layer in chosen:
        items = tuple(_items(store, layer, actor, names, area))
        if items:
            groups.append(LayerItems(layer, items))
    return FieldItems(actor=actor, built_at=now or utc_now(), instance_id=store.instance_id(), layers=tuple(groups))


def _layers(registry_layers: Sequence[LayerDefinition], actor: Actor,
            layer_ids: Sequence[str] | None) -> list[LayerDefinition]:
    readers = actor.roles | {PUBLIC}  # every caller reads public layers
    eligible = [layer for layer in registry_layers if layer.workflow is not None and layer.domain != DOMAIN
                and layer.id not in PLATFORM_TABLES and actor.may_handle(layer) and roles_may_read(layer, readers)]
    if layer_ids is None:
        return eligible
    by_id = {layer.id: layer for layer in eligible}
    unknown = [layer_id for layer_id in layer_ids if layer_id not in by_id]
    if unknown:
        raise FieldworkError(f"这些图层不是本人可办理的流程图层：{'、'.join(unknown)} / not workflow layers this "
                             f"person may handle: {', '.join(unknown)}")
    return [by_id[layer_id] for layer_id in dict.fromkeys(layer_ids)]


def _items(store: FeatureStore, layer: LayerDefinition, actor: Actor, names: list[str],
           area: BaseGeometry | None) -> Iterable[FieldItem]:
    assert layer.workflow is not None
    spec = layer.workflow
    for fid in _held_fids(store, layer, names, area):
        try:
            feature = store.get(layer, fid, STORAGE)
        except FeatureNotFound:
            continue  # deleted between the listing and the read
        state = str(feature.properties.get(STATE_FIELD))
        if feature.properties.get(HOLDER_FIELD) not in names or state in spec.terminal_states:
            continue  # moved on between the listing and the read
        if feature.geometry is None:
            continue
        geometry = shape(feature.geometry)
        if area is not None and not shapely.intersects(area, geometry):
            continue
        allowed = tuple(t for t in spec.leaving(state) if actor.may_make(t))
        yield FieldItem(fid=feature.fid, version=feature.version, properties=dict(feature.properties),
                        geometry=geometry, transitions=allowed)


def _held_fids(store: FeatureStore, layer: LayerDefinition, names: list[str],
               area: BaseGeometry | None) -> list[int]:
    """Fids of the open items held by one of `names` (within the area's box), in fid order."""
    assert layer.workflow is not None
    terminal = sorted(layer.workflow.terminal_states)
    held = {"op": "in", "args": [{"property": HOLDER_FIELD}, names]}
    still_open = {"op": "not", "args": [{"op": "in", "args": [{"property": STATE_FIELD}, terminal]}]}
    cql = parse_filter(orjson.dumps({"op": "and", "args": [held, still_open]}).decode(), "cql2-json", layer)
    bbox: tuple[float, float, float, float] | None = None
    if area is not None:
        minx, miny, maxx, maxy = (float(v) for v in area.bounds)
        bbox = (minx, miny, maxx, maxy)
    fids: list[int] = []
    offset = 0
    while True:
        query = FeatureQuery(cql=cql, bbox=bbox, limit=PAGE, offset=offset, crs=STORAGE, count=False,
                             skip_geometry=True, properties=(HOLDER_FIELD,))
        page = store.query(layer, query)
        fids.extend(int(feature["id"]) for feature in orjson.loads(page.features_json))
        if page.number_returned < PAGE:
            return sorted(fids)
        offset += PAGE
