"""The waterway domain's deterministic samples and their loader.

`generate(layers, now)` returns every sample layer's rows (pure: no store); `load_samples`
writes the plain layers with `store.insert` and the workflow layers (maintenance tasks,
incidents, notices) with their histories through the workflow engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from domains.framework.domain import SampleContext
from domains.framework.sample_items import WorkflowItem, load_items, load_records
from domains.waterway.channel import buoy_records, section_records
from domains.waterway.incidents import generate_incidents
from domains.waterway.maintenance import generate_tasks
from domains.waterway.notices import generate_notices
from domains.waterway.vessels import resource_records, vessel_records
from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord


@dataclass(frozen=True, slots=True)
class WaterwaySamples:
    plain: dict[str, list[FeatureRecord]]
    items: dict[str, list[WorkflowItem]]


def generate(layers: Mapping[str, LayerDefinition], now: datetime) -> WaterwaySamples:
    """Every waterway sample for the reference time `now`."""
    buoys = buoy_records(now)
    vessels = vessel_records(now)
    return WaterwaySamples(
        plain={"wat_channel_sections": section_records(), "wat_buoys": buoys, "wat_vessels": vessels,
               "wat_rescue_resources": resource_records()},
        items={"wat_maintenance_tasks": generate_tasks(layers["wat_maintenance_tasks"], now, buoys),
               "wat_incidents": generate_incidents(layers["wat_incidents"], now, vessels),
               "wat_notices": generate_notices(layers["wat_notices"], now)},
    )


def load_samples(context: SampleContext) -> dict[str, int]:
    from domains.waterway import DOMAIN

    samples = generate({layer.id: layer for layer in DOMAIN.layers()}, context.now)
    written: dict[str, int] = {}
    for layer_id, records in samples.plain.items():
        written.update(load_records(context, layer_id, records))
    for layer_id, items in samples.items.items():
        written.update(load_items(context, layer_id, items))
    return written
