"""Comprehensive enforcement (交通运输综合执法监管): inspection objects, inspections, clues, cases,
officers and equipment, with the inspection, clue and case workflows (`layers.yaml`).

Samples (`samples.py`): 5,000 inspections, about 800 clues (inspection referrals, dangerous-goods
restricted-zone entries with their track, public reports, integrated violation data) and 500 cases,
linked: a case cites its party enterprise (the credit register's numbering) and its clue; the
credit domain cites the cases' penalty decisions through `casebook.penalty_decisions`; the
restricted-zone clues cite the road-transport domain's sample zones and dangerous-goods vehicles.
May import: `layers`, `domains.framework`, `domains.base`, `domains.credit.enterprises`, and
`domains.road_transport.samples` (zones, vehicles) lazily.
"""

from __future__ import annotations

from pathlib import Path

from domains.framework.domain import Domain, SampleContext

#: Layer ids in catalogue order (JL-JT-ZF-0001 … 0006).
LAYER_IDS: tuple[str, ...] = (
    "enf_inspection_objects", "enf_inspections", "enf_clues", "enf_cases", "enf_officers", "enf_equipment",
)


def layer_file() -> Path:
    return Path(__file__).resolve().parent / "layers.yaml"


def _load_samples(context: SampleContext) -> dict[str, int]:
    from domains.enforcement.samples import load

    return load(context)


DOMAIN = Domain(
    id="enforcement",
    title_zh="交通运输综合执法监管",
    title_en="Comprehensive transport enforcement",
    layer_files=(layer_file(),),
    samples=_load_samples,
    depends_on=("base", "credit"),
    order=20,
    description_zh="检查对象、行政检查、违法线索甄别、执法案件全过程、执法人员和执法装备。",
)

__all__ = ["DOMAIN", "LAYER_IDS", "layer_file"]
