"""The expressway domain's deterministic samples and their loader.

`generate(layers, now)` returns every sample layer's rows (pure: no store); `load_samples`
writes them: the plain layers with `store.insert`, the events with their histories through the
workflow engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from domains.expressway.events import generate_events
from domains.expressway.resources import camera_records, store_records, team_records
from domains.framework.domain import SampleContext
from domains.framework.sample_items import WorkflowItem, load_items, load_records
from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord


@dataclass(frozen=True, slots=True)
class ExpresswaySamples:
    events: list[WorkflowItem]
    plain: dict[str, list[FeatureRecord]]


def generate(layers: Mapping[str, LayerDefinition], now: datetime) -> ExpresswaySamples:
    """Every expressway sample for the reference time `now`."""
    return ExpresswaySamples(
        events=generate_events(layers["exp_events"], now),
        plain={"exp_cameras": camera_records(), "exp_emergency_stores": store_records(),
               "exp_rescue_teams": team_records()},
    )


def load_samples(context: SampleContext) -> dict[str, int]:
    from domains.expressway import DOMAIN

    samples = generate({layer.id: layer for layer in DOMAIN.layers()}, context.now)
    written: dict[str, int] = {}
    for layer_id, records in samples.plain.items():
        written.update(load_records(context, layer_id, records))
    written.update(load_items(context, "exp_events", samples.events))
    return written
