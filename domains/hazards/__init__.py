"""Safety risks and hidden hazards (交通运输安全风险和隐患管理): graded risk points and hazards on the
road network, with the hazard workflow reported → assessed → rectifying → verifying → verified →
closed (`layers.yaml`).

Samples (`samples.py`): 600 risk points (poor-condition bridges and risky stretches) and 2,000 hazards,
each at a route code and stake placed exactly on its section of the base `roads` layer.
May import: `layers`, `domains.framework`, `domains.base`.
"""

from __future__ import annotations

from pathlib import Path

from domains.framework.domain import Domain, SampleContext

#: Layer ids in catalogue order (JL-JT-AQ-0001, 0002).
LAYER_IDS: tuple[str, ...] = ("haz_risk_points", "haz_hazards")


def layer_file() -> Path:
    return Path(__file__).resolve().parent / "layers.yaml"


def _load_samples(context: SampleContext) -> dict[str, int]:
    from domains.hazards.samples import load

    return load(context)


DOMAIN = Domain(
    id="hazards",
    title_zh="交通运输安全风险和隐患管理",
    title_en="Safety risks and hidden hazards",
    layer_files=(layer_file(),),
    samples=_load_samples,
    depends_on=("base",),
    order=70,
    description_zh="公路安全风险点分级管控，隐患排查上报、评估、整改、验收和销号闭环管理。",
)

__all__ = ["DOMAIN", "LAYER_IDS", "layer_file"]
