"""Highway construction quality and safety (公路建设全流程质量安全监管): projects along the road network,
their contract sections with contractors and safe-site assessment scores, and quality supervision
inspections with the rectification workflow (`layers.yaml`).

Samples (`samples.py`): 60 projects cut from the base `roads` sections, their contract sections let to
construction enterprises of the credit register, and about 600 quality inspections.
May import: `layers`, `domains.framework`, `domains.base`, `domains.credit.enterprises`.
"""

from __future__ import annotations

from pathlib import Path

from domains.framework.domain import Domain, SampleContext

#: Layer ids in catalogue order (JL-JT-JS-0001 … 0003).
LAYER_IDS: tuple[str, ...] = ("con_projects", "con_sections", "con_quality_inspections")


def layer_file() -> Path:
    return Path(__file__).resolve().parent / "layers.yaml"


def _load_samples(context: SampleContext) -> dict[str, int]:
    from domains.construction.samples import load

    return load(context)


DOMAIN = Domain(
    id="construction",
    title_zh="公路建设全流程质量安全监管",
    title_en="Highway construction quality and safety",
    layer_files=(layer_file(),),
    samples=_load_samples,
    depends_on=("base", "credit"),
    order=40,
    description_zh="公路建设项目和标段、平安工地考核评价、工程质量监督检查与整改闭合。",
)

__all__ = ["DOMAIN", "LAYER_IDS", "layer_file"]
