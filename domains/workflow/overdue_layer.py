"""The map layer of overdue items (`supervision_overdue`): one point per overdue item of every
workflow layer the public may read, kept by the overdue sweep.

Each point is a representative point of the item's geometry (on it, for lines and polygons too),
with the source layer and fid, domain, title, state, holder, holding organisation, region,
deadline and the whole hours it is overdue. The sweep rebuilds a source layer's points (one
`replace_partitions` transaction for all that changed) only when what they would show changed —
an item became or stopped being overdue, moved, changed hands, or another whole hour passed —
so the layer's tiles are not invalidated every minute for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry import shape

from domains.workflow.listing import OpenItem, open_items
from layers.access.view import roles_may_read
from layers.model import LayerDefinition
from layers.registry import LayerRegistry
from layers.stores.base import FeatureRecord, PartitionChange
from layers.workflow import HOLDER_FIELD

OVERDUE_LAYER_ID = "supervision_overdue"
PUBLIC = frozenset({"public"})

OVERDUE_LAYER = LayerDefinition.model_validate({
    "id": OVERDUE_LAYER_ID, "title_zh": "超期事项", "title_en": "Overdue items", "domain": "supervision",
    "description_zh": "各业务办理流程中超过办理时限的事项（再监管），由超期巡检维护。",
    "catalogue_code": "JL-JT-KS-9001", "geometry_type": "Point", "temporal_field": "deadline",
    "keywords": ["再监管", "超期", "supervision", "overdue"],
    "fields": [
        {"name": "source_layer", "type": "string", "title_zh": "来源图层", "title_en": "Source layer",
         "required": True},
        {"name": "source_fid", "type": "integer", "title_zh": "来源要素", "title_en": "Source feature id",
         "required": True},
        {"name": "source_domain", "type": "string", "title_zh": "业务域", "title_en": "Domain"},
        {"name": "layer_title", "type": "string", "title_zh": "图层名称", "title_en": "Layer title"},
        {"name": "title", "type": "string", "title_zh": "事项", "title_en": "Item"},
        {"name": "state", "type": "string", "title_zh": "办理状态", "title_en": "State"},
        {"name": "state_name", "type": "string", "title_zh": "状态名称", "title_en": "State name"},
        {"name": "holder", "type": "string", "title_zh": "当前办理人", "title_en": "Holder"},
        {"name": "holder_org", "type": "string", "title_zh": "当前办理单位", "title_en": "Holding organisation"},
        {"name": "adcode", "type": "string", "title_zh": "行政区划代码", "title_en": "Region code"},
        {"name": "deadline", "type": "datetime", "title_zh": "办理时限", "title_en": "Deadline"},
        {"name": "hours_overdue", "type": "integer", "title_zh": "超期小时数", "title_en": "Hours overdue",
         "unit": "h"},
    ],
    "tiles": {"priority": ["-hours_overdue"]},
})


def _record(item: OpenItem) -> FeatureRecord:
    point = shapely.point_on_surface(shape(item.geometry)) if item.geometry else None
    assert point is not None
    return FeatureRecord(geometry=point, properties={
        "source_layer": item.layer.id, "source_fid": item.fid, "source_domain": item.layer.domain,
        "layer_title": item.layer.title_zh, "title": item.title, "state": item.state, "state_name": item.state_name,
        "holder": item.properties.get(HOLDER_FIELD), "holder_org": item.holder_org, "adcode": item.region,
        "deadline": item.deadline, "hours_overdue": int(item.hours_overdue or 0),
    })


def _signature(records: Iterable[FeatureRecord]) -> list[tuple[Any, ...]]:
    def key(record: FeatureRecord) -> tuple[Any, ...]:
        p = record.properties
        deadline = p.get("deadline")
        return (p.get("source_fid"), p.get("title"), p.get("state"), p.get("holder"), p.get("holder_org"),
                p.get("adcode"), None if deadline is None else deadline.timestamp(), p.get("hours_overdue"),
                round(record.geometry.x, 7), round(record.geometry.y, 7))

    return sorted(key(record) for record in records)


def _current(registry: LayerRegistry) -> dict[str, list[FeatureRecord]]:
    by_source: dict[str, list[FeatureRecord]] = {}
    for batch in registry.store.iter_records(OVERDUE_LAYER):
        for feature in batch:
            record = FeatureRecord(geometry=shape(feature.geometry), properties=feature.properties)
            by_source.setdefault(str(feature.properties["source_layer"]), []).append(record)
    return by_source


def refresh_overdue_layer(registry: LayerRegistry, layers: Sequence[LayerDefinition], now: datetime) -> int:
    """Bring the overdue layer in line with the items overdue at `now`; returns how many there are."""
    registry.register(OVERDUE_LAYER, replace=True)  # no change when already registered as is
    sources = [layer for layer in layers if layer.workflow is not None and roles_may_read(layer, PUBLIC)]
    wanted: dict[str, list[FeatureRecord]] = {layer.id: [] for layer in sources}
    for item in open_items(registry.store, sources, now, overdue=True, with_geometry=True):
        wanted[item.layer.id].append(_record(item))
    current = _current(registry)
    changes = [PartitionChange(OVERDUE_LAYER, "source_layer", source, records)
               for source, records in wanted.items()
               if _signature(records) != _signature(current.get(source, []))]
    changes.extend(PartitionChange(OVERDUE_LAYER, "source_layer", source, ())
                   for source in current if source not in wanted)
    if changes:
        registry.store.replace_partitions(changes)
    return sum(len(records) for records in wanted.values())
