"""Credit (全领域交通运输信用信息服务): enterprises with credit grades and their good and bad credit
records (`layers.yaml`).

`enterprises.py` is the identity of the 3,000 sample enterprises every domain cites (code, name,
kind, place); `events.py` the credit records, of which the penalty records cite enforcement cases
(through `domains.enforcement.casebook.penalty_decisions`, imported lazily: enforcement depends on
credit, not the other way round); `samples.py` the records and the loader.
May import: `layers`, `domains.framework`, `domains.base`, and `domains.enforcement.casebook` lazily.
"""

from __future__ import annotations

from pathlib import Path

from domains.framework.domain import Domain, SampleContext

#: Layer ids in catalogue order (JL-JT-XY-0001, 0002).
LAYER_IDS: tuple[str, ...] = ("cre_enterprises", "cre_credit_events")


def layer_file() -> Path:
    return Path(__file__).resolve().parent / "layers.yaml"


def _load_samples(context: SampleContext) -> dict[str, int]:
    from domains.credit.samples import load

    return load(context)


DOMAIN = Domain(
    id="credit",
    title_zh="全领域交通运输信用信息服务",
    title_en="Transport credit information",
    layer_files=(layer_file(),),
    samples=_load_samples,
    depends_on=("base",),
    order=30,
    description_zh="交通运输企业信用等级、信用分和良好/不良信用记录，信用等级决定抽查比例。",
)

__all__ = ["DOMAIN", "LAYER_IDS", "layer_file"]
