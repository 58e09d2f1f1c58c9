"""Integrated visual supervision: no layers of its own; its thematic views resolve against the installed
domains' layers (every filter and field checked), leave out domains that are absent, expand a domain's
workflow layers on request, and refuse views naming what does not exist."""

from __future__ import annotations

import pytest

from domains.framework.discovery import discover_domains
from domains.visual import DOMAIN
from domains.visual.views import ThematicView, ViewError, ViewLayer, ViewStatistic, resolve, resolve_views, views
from layers.model import LayerDefinition

WORKFLOW = {
    "initial": "open",
    "states": [{"id": "open", "name_zh": "办理中", "time_limit_hours": 24},
               {"id": "done", "name_zh": "已办结", "terminal": True},
               {"id": "dropped", "name_zh": "已撤销", "terminal": True}],
    "transitions": [{"id": "finish", "name_zh": "办结", "from_states": ["open"], "to": "done", "roles": ["clerk"]},
                    {"id": "drop", "name_zh": "撤销", "from_states": ["open"], "to": "dropped", "roles": ["clerk"]}],
}


def _layer(layer_id: str, domain: str, workflow: bool = True) -> LayerDefinition:
    return LayerDefinition.model_validate({
        "id": layer_id, "title_zh": "事项", "title_en": "Items", "domain": domain, "catalogue_code": "X-1",
        "geometry_type": "Point", "fields": [{"name": "adcode", "type": "string", "title_zh": "市州"},
                                              {"name": "amount", "type": "number", "title_zh": "金额"}],
        **({"workflow": WORKFLOW} if workflow else {}),
    })


@pytest.fixture(scope="module")
def installed():
    return [layer for domain in discover_domains() for layer in domain.layers()]


def test_visual_has_no_layers_and_no_samples():
    assert DOMAIN.layers() == [] and DOMAIN.samples is None


def test_every_view_resolves_against_the_installed_domains(installed):
    resolved = {view.id: view for view in resolve_views(installed)}
    for view_id in ("overview", "enforcement", "credit", "hazards", "construction"):
        assert view_id in resolved
    by_id = {layer.id: layer for layer in installed}
    for view in resolved.values():
        for statistic in view.statistics:
            layer = by_id[statistic.layer_id]
            assert layer.field(statistic.group_by) is not None
            assert statistic.field is None or layer.field(statistic.field) is not None
    enforcement = resolved["enforcement"]
    assert [v.layer for v in enforcement.layers] == ["enf_cases", "enf_clues", "enf_inspections"]
    overview_layers = {v.layer for v in resolved["overview"].layers}
    assert overview_layers == {layer.id for layer in installed if layer.workflow is not None}
    assert len(resolved["overview"].statistics) == len(overview_layers)


def test_a_domain_view_takes_the_workflow_layers_of_its_domain():
    view = ThematicView(id="things", title_zh="事项专题", title_en="Things", domain="things",
                        domain_workflow_layers=True)
    layers = [_layer("thg_a", "things"), _layer("thg_plain", "things", workflow=False), _layer("oth_b", "other")]
    resolved = resolve(view, layers)
    assert resolved is not None
    assert [(v.layer, v.filter) for v in resolved.layers] == [("thg_a", "workflow_state NOT IN ('done', 'dropped')")]
    assert [(s.layer_id, s.group_by, s.filter) for s in resolved.statistics] == [
        ("thg_a", "workflow_state", None), ("thg_a", "adcode", "overdue = true")]
    assert resolve(view, [_layer("oth_b", "other")]) is None


def test_views_naming_what_does_not_exist_are_refused():
    layers = [_layer("thg_a", "things")]
    missing_layer = ThematicView(id="v", title_zh="专题", title_en="V", domain="things",
                                 layers=(ViewLayer(layer="thg_nowhere"),))
    with pytest.raises(ViewError, match="thg_nowhere"):
        resolve(missing_layer, layers)
    bad_field = ThematicView(id="v", title_zh="专题", title_en="V", domain="things", layers=(ViewLayer(layer="thg_a"),),
                             statistics=(ViewStatistic(id="s", title_zh="统计", title_en="S", layer="thg_a",
                                                       group_by="colour"),))
    with pytest.raises(ViewError, match="colour"):
        resolve(bad_field, layers)
    bad_filter = ThematicView(id="v", title_zh="专题", title_en="V", domain="things",
                              layers=(ViewLayer(layer="thg_a", filter="amount > 'lots'"),))
    with pytest.raises(ViewError, match="过滤条件"):
        resolve(bad_filter, layers)
    with pytest.raises(ValueError, match="need a field"):
        ViewStatistic(id="s", title_zh="统计", title_en="S", group_by="adcode", measure="sum")


def test_the_declared_views_cover_the_nine_applications():
    ids = {view.id for view in views()}
    assert {"overview", "enforcement", "credit", "hazards", "construction", "permits", "road_transport",
            "waterway", "expressway"} <= ids
