"""Expressway operation monitoring and emergency response (高速公路运行监测与应急处置).

Owns the layers declared in `layers.yaml` — traffic events (`exp_events`, with the event
workflow reported → confirmed → dispatched → handling → cleared → closed), cameras, emergency
material stores and rescue teams, all located by route and stake on the base road network — and
their deterministic samples (`events`, `resources`, loaded by `samples.load_samples`). The
nearest-resource rule is wired in by the integrator (`rules=()` here).
May import: `layers`, `domains.framework`, `domains.base`; never `gis_server`.
"""

from __future__ import annotations

from pathlib import Path

from domains.expressway.rules import RULES
from domains.framework.domain import Domain, SampleContext

#: Layer ids in catalogue order (JL-JT-GS-0001 … 0004).
LAYER_IDS: tuple[str, ...] = ("exp_events", "exp_cameras", "exp_emergency_stores", "exp_rescue_teams")


def layer_file() -> Path:
    return Path(__file__).resolve().parent / "layers.yaml"


def _load_samples(context: SampleContext) -> dict[str, int]:
    from domains.expressway.samples import load_samples

    return load_samples(context)


DOMAIN = Domain(
    id="expressway",
    title_zh="高速公路运行监测与应急处置",
    title_en="Expressway operation and emergency response",
    layer_files=(layer_file(),),
    rules=RULES,
    samples=_load_samples,
    depends_on=("base",),
    order=80,
    description_zh="高速公路交通事件（按路线桩号定位）、视频监控、应急物资储备点与救援队伍；事件上报、确认、调度、处置、清障、关闭全程留痕。",
)

__all__ = ["DOMAIN", "LAYER_IDS", "layer_file"]
