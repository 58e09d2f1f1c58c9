"""Thematic views (专题展示): which layers, filters and statistics each dashboard shows.

Declared in `views.yaml`; `resolve_views` turns them into concrete ones against the layers that are
registered (every filter parsed and checked against its layer as the Features API would, every
grouped or measured field checked), leaving out views of domains that are not installed. A view
with `domain_workflow_layers` takes every workflow layer of its domain (open items, counts by state,
overdue by prefecture); `all_domains` takes every workflow layer of every domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from layers.filters.parse import parse_filter
from layers.model import LayerDefinition
from layers.workflow import OVERDUE_FIELD, STATE_FIELD

Measure = Literal["count", "sum", "mean"]


class ViewLayer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    layer: str
    #: CQL2 text: which of the layer's features the view shows.
    filter: str | None = None


class ViewStatistic(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title_zh: str
    title_en: str
    #: None: the statistic applies to every layer of the view.
    layer: str | None = None
    group_by: str
    measure: Measure = "count"
    field: str | None = None
    filter: str | None = None

    @model_validator(mode="after")
    def _measured_field(self) -> ViewStatistic:
        if (self.measure == "count") != (self.field is None):
            raise ValueError(f"statistic {self.id}: sum and mean need a field, count takes none")
        return self


class ThematicView(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title_zh: str
    title_en: str
    domain: str | None = None
    all_domains: bool = False
    domain_workflow_layers: bool = False
    layers: tuple[ViewLayer, ...] = ()
    statistics: tuple[ViewStatistic, ...] = ()


class ViewError(ValueError):
    """A view names a layer or field that does not exist, or a filter its layer refuses."""


@dataclass(frozen=True, slots=True)
class ResolvedStatistic:
    id: str
    title_zh: str
    title_en: str
    layer_id: str
    group_by: str
    measure: Measure
    field: str | None
    filter: str | None


@dataclass(frozen=True, slots=True)
class ResolvedView:
    id: str
    title_zh: str
    title_en: str
    layers: tuple[ViewLayer, ...]
    statistics: tuple[ResolvedStatistic, ...]


def views_file() -> Path:
    return Path(__file__).resolve().parent / "views.yaml"


@cache
def views() -> tuple[ThematicView, ...]:
    with views_file().open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return tuple(ThematicView.model_validate(item) for item in data["views"])


def _open_items(layer: LayerDefinition) -> str:
    assert layer.workflow is not None
    terminal = ", ".join(f"'{s}'" for s in sorted(layer.workflow.terminal_states))
    return f"{STATE_FIELD} NOT IN ({terminal})"


def _standard(layer: LayerDefinition) -> list[ViewStatistic]:
    return [
        ViewStatistic(id=f"{layer.id}_by_state", title_zh=f"{layer.title_zh}办理状态",
                      title_en=f"{layer.title_en} by state", layer=layer.id, group_by=STATE_FIELD),
        ViewStatistic(id=f"{layer.id}_overdue", title_zh=f"{layer.title_zh}超期（按市州）",
                      title_en=f"{layer.title_en} overdue by prefecture", layer=layer.id, group_by="adcode",
                      filter=f"{OVERDUE_FIELD} = true"),
    ]


def _check(view_id: str, layer: LayerDefinition, filter_text: str | None, fields: Sequence[str | None]) -> None:
    unknown = sorted(f for f in fields if f is not None and layer.field(f) is None)
    if unknown:
        raise ViewError(f"专题 {view_id}：图层 {layer.id} 没有字段 {unknown} / view {view_id}: unknown fields")
    if filter_text is not None:
        try:
            parse_filter(filter_text, None, layer)
        except Exception as exc:
            raise ViewError(f"专题 {view_id}：图层 {layer.id} 的过滤条件无效 / invalid filter: {exc}") from exc


def resolve(view: ThematicView, layers: Sequence[LayerDefinition]) -> ResolvedView | None:
    """The view over the given layers; None when its domain has no layers among them."""
    by_id = {layer.id: layer for layer in layers}
    if view.all_domains:
        chosen = [ViewLayer(layer=lyr.id, filter=_open_items(lyr)) for lyr in layers if lyr.workflow is not None]
    elif view.domain_workflow_layers:
        chosen = [ViewLayer(layer=lyr.id, filter=_open_items(lyr)) for lyr in layers
                  if lyr.domain == view.domain and lyr.workflow is not None]
    else:
        chosen = list(view.layers)
    if view.domain is not None and not any(lyr.domain == view.domain for lyr in layers):
        return None
    missing = sorted(v.layer for v in chosen if v.layer not in by_id)
    if missing:
        raise ViewError(f"专题 {view.id} 引用不存在的图层 {missing} / view {view.id} names unknown layers")
    statistics = list(view.statistics)
    if view.domain_workflow_layers:
        statistics += [s for v in chosen for s in _standard(by_id[v.layer])]
    resolved: list[ResolvedStatistic] = []
    for stat in statistics:
        for layer_id in [stat.layer] if stat.layer else [v.layer for v in chosen]:
            if layer_id not in by_id:
                raise ViewError(f"专题 {view.id} 的统计 {stat.id} 引用不存在的图层 {layer_id}")
            _check(view.id, by_id[layer_id], stat.filter, [stat.group_by, stat.field])
            resolved.append(ResolvedStatistic(stat.id, stat.title_zh, stat.title_en, layer_id, stat.group_by,
                                              stat.measure, stat.field, stat.filter))
    for item in chosen:
        _check(view.id, by_id[item.layer], item.filter, [])
    return ResolvedView(view.id, view.title_zh, view.title_en, tuple(chosen), tuple(resolved))


def resolve_views(layers: Sequence[LayerDefinition]) -> list[ResolvedView]:
    """Every declared view over the given layers, in declaration order (views of absent domains left out)."""
    return [r for view in views() if (r := resolve(view, layers)) is not None]
