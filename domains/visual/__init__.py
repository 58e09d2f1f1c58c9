"""Integrated visual supervision (综合可视化监管与服务): no data of its own, only the thematic views
(`views.yaml`, `views.py`) — per domain, which layers, filters and statistics a dashboard shows —
resolved against whatever domains are installed.
May import: `layers`, `domains.framework`.
"""

from __future__ import annotations

from domains.framework.domain import Domain

DOMAIN = Domain(
    id="visual",
    title_zh="综合可视化监管与服务",
    title_en="Integrated visual supervision",
    depends_on=("base",),
    order=90,
    description_zh="整体态势综合展示和各业务专题展示（网上行政审批、公路安全质量、道路运输、海事航道、风险隐患、综合执法、信用监管）。",
)

__all__ = ["DOMAIN"]
