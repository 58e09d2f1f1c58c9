"""Online administrative permits (网上行政许可审批): oversize transport permits (大件运输许可).

Owns `layers.yaml` — the applications layer `per_oversize_applications` (the route as a line
along the roads, vehicle dimensions, validity, check result fields) with its approval workflow
submitted → accepted → route check → approval → approved / rejected, or withdrawn — and the
deterministic samples (`applications`, with their itineraries, vehicles and the deliberate
failures and duplicates documented there; loaded by `samples.load_samples`). The route-check and
duplicate rules are wired in by the integrator (`rules=()` here). Applicants are cited through
`domains.framework.identities`; the samples keep clear of (or deliberately cross) the expressway
samples' closures, hence the dependency on `expressway`.
May import: `layers`, `domains.framework`, `domains.base`, `domains.expressway`; never `gis_server`.
"""

from __future__ import annotations

from pathlib import Path

from domains.framework.domain import Domain, SampleContext
from domains.permits.rules import FINDINGS_LAYER, RULES

LAYER_IDS: tuple[str, ...] = ("per_oversize_applications",)


def layer_file() -> Path:
    return Path(__file__).resolve().parent / "layers.yaml"


def _load_samples(context: SampleContext) -> dict[str, int]:
    from domains.permits.samples import load_samples

    return load_samples(context)


DOMAIN = Domain(
    id="permits",
    title_zh="网上行政许可审批",
    title_en="Online administrative permits",
    layer_files=(layer_file(),),
    rules=RULES,
    samples=_load_samples,
    depends_on=("base", "expressway"),
    extra_layers=(FINDINGS_LAYER,),
    order=60,
    description_zh="大件运输许可申请：通行路线沿路网校核桥梁荷载、净空与路线封闭，识别重复报件；受理、路线核查、审批全程留痕。",
)

__all__ = ["DOMAIN", "LAYER_IDS", "layer_file"]
