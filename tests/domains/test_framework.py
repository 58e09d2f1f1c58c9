"""The domain framework: discovery order, workflow declarations, shared enterprise identities."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from domains.framework import discovery
from domains.framework.discovery import DomainError, _dependency_order, discover_domains
from domains.framework.domain import Domain
from domains.framework.identities import (
    ENTERPRISE_COUNT,
    KIND_RANGES,
    enterprise_code,
    enterprise_kind,
)
from layers.model import LayerDefinition
from layers.workflow import SUPERVISION_FIELDS, WorkflowSpec

WORKFLOW = {
    "initial": "reported",
    "states": [
        {"id": "reported", "name_zh": "已上报", "time_limit_hours": 24},
        {"id": "rectifying", "name_zh": "整改中", "deadline_field": "rectify_by"},
        {"id": "closed", "name_zh": "已销号", "terminal": True},
    ],
    "transitions": [
        {"id": "assign", "name_zh": "交办", "from_states": ["reported"], "to": "rectifying",
         "roles": ["safety_officer"], "requires": ["rectify_by"]},
        {"id": "close", "name_zh": "销号", "from_states": ["rectifying"], "to": "closed", "roles": ["safety_officer"]},
    ],
}


def _layer(**overrides: object) -> LayerDefinition:
    data: dict[str, object] = {
        "id": "haz_test", "title_zh": "隐患", "title_en": "Hazards", "domain": "hazards",
        "catalogue_code": "JL-JT-AQ-9999", "geometry_type": "Point",
        "fields": [{"name": "rectify_by", "type": "date", "title_zh": "整改期限"}],
        "workflow": WORKFLOW,
    }
    data.update(overrides)
    return LayerDefinition.model_validate(data)


def test_workflow_layer_gets_the_supervision_fields_with_the_states_as_code_list() -> None:
    layer = _layer()
    assert set(SUPERVISION_FIELDS) <= set(layer.field_names)
    state = layer.field("workflow_state")
    assert state is not None and state.enum_codes() == {"reported", "rectifying", "closed"}
    assert state.label_of("rectifying") == "整改中"
    # the fields survive a round trip through the registry's JSON form
    again = LayerDefinition.model_validate_json(layer.model_dump_json())
    assert again == layer


def test_workflow_declarations_that_cannot_work_are_refused() -> None:
    bad_initial = {**WORKFLOW, "initial": "nowhere"}
    with pytest.raises(ValidationError, match="initial state"):
        WorkflowSpec.model_validate(bad_initial)
    leaves_terminal = {**WORKFLOW, "transitions": [
        {"id": "reopen", "name_zh": "重开", "from_states": ["closed"], "to": "reported", "roles": ["x"]}]}
    with pytest.raises(ValidationError, match="terminal"):
        WorkflowSpec.model_validate(leaves_terminal)
    no_terminal = {**WORKFLOW, "states": [s for s in WORKFLOW["states"] if s["id"] != "closed"],  # type: ignore[union-attr]
                   "transitions": []}
    with pytest.raises(ValidationError, match="terminal"):
        WorkflowSpec.model_validate(no_terminal)
    with pytest.raises(ValidationError, match="deadline_field"):
        _layer(fields=[])  # the rectifying state's deadline field is not declared
    with pytest.raises(ValidationError, match="requires unknown fields"):
        _layer(fields=[{"name": "rectify_by", "type": "date", "title_zh": "整改期限"}],
               workflow={**WORKFLOW, "transitions": [{**WORKFLOW["transitions"][0],  # type: ignore[index]
                                                      "requires": ["photo_ref"]}]})


def test_leaving_lists_the_transitions_from_a_state() -> None:
    spec = WorkflowSpec.model_validate(WORKFLOW)
    assert [t.id for t in spec.leaving("reported")] == ["assign"]
    assert spec.leaving("closed") == ()
    assert spec.terminal_states == {"closed"}


def test_base_is_discovered_first() -> None:
    found = discover_domains()
    assert found[0].id == "base"
    assert len({d.id for d in found}) == len(found)
    assert all(dep in {d.id for d in found[: found.index(d)]} for d in found for dep in d.depends_on)


def test_dependencies_come_first_and_cycles_or_unknowns_are_named() -> None:
    a = Domain(id="a", title_zh="甲", title_en="A", depends_on=("b",), order=0)
    b = Domain(id="b", title_zh="乙", title_en="B", order=50)
    assert [d.id for d in _dependency_order({"a": a, "b": b})] == ["b", "a"]
    loop = Domain(id="b", title_zh="乙", title_en="B", depends_on=("a",))
    with pytest.raises(DomainError, match="a → b → a"):
        _dependency_order({"a": a, "b": loop})
    with pytest.raises(DomainError, match="unknown"):
        _dependency_order({"a": a})


def test_a_domain_may_not_declare_another_domains_layers(tmp_path: Path) -> None:
    path = tmp_path / "layers.yaml"
    path.write_text("layers:\n  - {id: x_roads, title_zh: 路, title_en: Roads, domain: other, "
                    "catalogue_code: X-1, geometry_type: LineString}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="another domain"):
        Domain(id="mine", title_zh="我", title_en="Mine", layer_files=(path,)).layers()


def test_entry_point_domains_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = Domain(id="zz_external", title_zh="外部", title_en="External", depends_on=("base",))

    class Point:
        name, value = "zz", "pkg:DOMAIN"

        def load(self) -> Domain:
            return extra

    monkeypatch.setattr(discovery, "entry_points", lambda group: [Point()] if group == "onemap.domains" else [])
    discover_domains.cache_clear()
    try:
        assert discover_domains()[-1] is extra
    finally:
        discover_domains.cache_clear()


def _gb32100_valid(code: str) -> bool:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(chars.index(c) * w for c, w in zip(code[:17], weights, strict=True))
    return chars[(31 - total % 31) % 31] == code[17]


def test_enterprise_codes_are_unique_valid_and_kinds_cover_every_number() -> None:
    codes = {enterprise_code(n) for n in range(ENTERPRISE_COUNT)}
    assert len(codes) == ENTERPRISE_COUNT
    assert all(len(c) == 18 and _gb32100_valid(c) for c in codes)
    assert sum(stop - start for start, stop in KIND_RANGES.values()) == ENTERPRISE_COUNT
    assert enterprise_kind(0) == "dangerous_goods" and enterprise_kind(ENTERPRISE_COUNT - 1) == "repair"
    with pytest.raises(ValueError):
        enterprise_kind(ENTERPRISE_COUNT)
