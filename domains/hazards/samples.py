"""The hazards domain's sample records (pure functions of the sample time) and their loader."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from shapely.geometry import Point

from domains.framework.domain import SampleContext
from domains.framework.sample_items import WorkflowItem, load_items, load_records
from domains.hazards.hazards import HazardSample, generate
from domains.hazards.risks import risk_points, risk_record_values
from layers.model import LayerDefinition
from layers.registry import load_layer_file
from layers.stores.base import FeatureRecord


@cache
def layers() -> dict[str, LayerDefinition]:
    from domains.hazards import layer_file

    return {layer.id: layer for layer in load_layer_file(layer_file())}


def risk_records(now: datetime) -> list[FeatureRecord]:
    return [FeatureRecord(Point(p.lon, p.lat), risk_record_values(p, now)) for p in risk_points()]


@cache
def hazard_samples(now: datetime) -> tuple[HazardSample, ...]:
    return tuple(generate(layers()["haz_hazards"], now))


def hazard_items(now: datetime) -> list[WorkflowItem]:
    result = []
    for sample in hazard_samples(now):
        assert sample.walked is not None
        result.append(sample.walked.item)
    return result


def load(context: SampleContext) -> dict[str, int]:
    written = load_records(context, "haz_risk_points", risk_records(context.now))
    written.update(load_items(context, "haz_hazards", hazard_items(context.now)))
    return written
