"""Maritime and waterway supervision (海事航道监管) on the Songhua below Fengman Dam.

Owns the layers declared in `layers.yaml` — channel sections, navigation marks, maintenance tasks
(workflow planned → assigned → in progress → awaiting acceptance → accepted, or cancelled),
vessel positions, incidents (reported → dispatched → rescuing → closed), rescue resources and
navigation notices (draft → reviewed → published → withdrawn) — and their deterministic samples,
placed by chainage on the stored river centre line (`river`, `channel`, `maintenance`, `vessels`,
`incidents`, `notices`; loaded by `samples.load_samples`).
May import: `layers`, `domains.framework`, `domains.base`; never `gis_server`.
"""

from __future__ import annotations

from pathlib import Path

from domains.framework.domain import Domain, SampleContext

#: Layer ids in catalogue order (JL-JT-HS-0001 … 0007).
LAYER_IDS: tuple[str, ...] = (
    "wat_channel_sections", "wat_buoys", "wat_maintenance_tasks", "wat_vessels", "wat_incidents",
    "wat_rescue_resources", "wat_notices",
)


def layer_file() -> Path:
    return Path(__file__).resolve().parent / "layers.yaml"


def _load_samples(context: SampleContext) -> dict[str, int]:
    from domains.waterway.samples import load_samples

    return load_samples(context)


DOMAIN = Domain(
    id="waterway",
    title_zh="海事航道监管",
    title_en="Maritime and waterway supervision",
    layer_files=(layer_file(),),
    rules=(),
    samples=_load_samples,
    depends_on=("base",),
    order=50,
    description_zh="松花江航道段、航标与航道养护任务，船舶动态、水上险情与救援力量，航行通告的起草、审核、发布与撤销。",
)

__all__ = ["DOMAIN", "LAYER_IDS", "layer_file"]
