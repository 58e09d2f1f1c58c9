"""The construction domain's sample records (pure functions of the sample time) and their loader."""

from __future__ import annotations

from datetime import datetime
from functools import cache

import numpy as np

from domains.base.measure import geodesic_length
from domains.construction.projects import Project, projects, safe_site_grade, sample_day, stake_range
from domains.construction.quality import QualitySample, generate
from domains.framework.domain import SampleContext
from domains.framework.sample_items import WorkflowItem, load_items, load_records
from layers.model import LayerDefinition
from layers.registry import load_layer_file
from layers.stores.base import FeatureRecord


@cache
def layers() -> dict[str, LayerDefinition]:
    from domains.construction import layer_file

    return {layer.id: layer for layer in load_layer_file(layer_file())}


def _length_km(project: Project) -> float:
    return round(sum(geodesic_length(np.asarray(line.coords)) for line in project.geometry.geoms) / 1000.0, 3)


def project_records(now: datetime) -> list[FeatureRecord]:
    result = []
    for p in projects(sample_day(now)):
        result.append(FeatureRecord(p.geometry, {
            "project_code": p.code, "name_zh": p.name_zh, "project_type": p.project_type, "route_code": p.route_code,
            "start_stake_m": p.start_stake_m, "end_stake_m": p.end_stake_m,
            "stake_range": stake_range(p.start_stake_m, p.end_stake_m), "length_km": _length_km(p),
            "investment_wan": p.investment_wan, "owner_unit": p.owner_unit, "supervision_firm": p.supervision_firm,
            "start_date": p.start_date, "planned_completion": p.planned_completion, "status": p.status,
            "progress_pct": p.progress_pct, "lot_count": len(p.lots), "safe_site_score": p.score,
            "safe_site_grade": safe_site_grade(p.score), "adcode": p.adcode,
        }))
    return result


def lot_records(now: datetime) -> list[FeatureRecord]:
    result = []
    for p in projects(sample_day(now)):
        for lot in p.lots:
            result.append(FeatureRecord(lot.geometry, {
                "lot_code": lot.code, "lot_name": lot.name_zh, "project_code": p.code, "lot_type": lot.lot_type,
                "contractor_code": lot.contractor.credit_code, "contractor_name": lot.contractor.name_zh,
                "contract_amount_wan": lot.amount_wan, "route_code": p.route_code,
                "start_stake_m": lot.start_stake_m, "end_stake_m": lot.end_stake_m, "progress_pct": lot.progress_pct,
                "safe_site_score": lot.score, "safe_site_grade": safe_site_grade(lot.score), "adcode": lot.adcode,
            }))
    return result


@cache
def quality_samples(now: datetime) -> tuple[QualitySample, ...]:
    return tuple(generate(layers()["con_quality_inspections"], now))


def quality_items(now: datetime) -> list[WorkflowItem]:
    result = []
    for sample in quality_samples(now):
        assert sample.walked is not None
        result.append(sample.walked.item)
    return result


def load(context: SampleContext) -> dict[str, int]:
    written = load_records(context, "con_projects", project_records(context.now))
    written.update(load_records(context, "con_sections", lot_records(context.now)))
    written.update(load_items(context, "con_quality_inspections", quality_items(context.now)))
    return written
