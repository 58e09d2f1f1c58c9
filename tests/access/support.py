"""The access-test world: layers that use every access rule, the callers who meet them, their items,
and — written apart from `layers.access` — what each caller should get (the permission matrix's oracle).

Layers (registered on each store, with `prefectures` for the area rule):
- `acc_notices`: read by `public`, declared `access.public` (anonymous reads it in every mode);
- `acc_open`: read by `public`, not declared public (anonymous reads it only where all public-role
  layers are open: the embedded default);
- `acc_cases`: read and written by inspectors and supervisors; rows by region (`adcode`);
  `plate` is personal data seen in clear by inspectors only; `internal_note` is seen by supervisors only;
- `acc_patrols`: read by inspectors; rows by area (the caller's prefecture boundary).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from shapely.geometry import MultiPolygon, Point, box

from layers.access.masking import mask_value
from layers.access.rules import SensitiveKind
from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord

EXTENT = [120.0, 40.0, 132.0, 47.0]
#: Two prefectures side by side (the area rule's boundaries): Changchun west of 126°, Jilin east of it.
BOUNDARIES = {"220100": box(124.0, 43.0, 126.0, 45.0), "220200": box(126.0, 43.0, 128.0, 45.0)}

PREFECTURES = LayerDefinition.model_validate({
    "id": "prefectures", "title_zh": "市（州）", "title_en": "Prefectures", "domain": "base",
    "catalogue_code": "JL-JT-JC-9001", "geometry_type": "MultiPolygon", "valid_extent": EXTENT,
    "fields": [{"name": "adcode", "type": "string", "title_zh": "代码", "required": True},
               {"name": "name_zh", "type": "string", "title_zh": "名称"}],
})


def _layer(layer_id: str, title: str, **extra: Any) -> LayerDefinition:
    return LayerDefinition.model_validate({
        "id": layer_id, "title_zh": title, "title_en": layer_id, "domain": "enforcement",
        "catalogue_code": f"JL-JT-ZF-9{len(layer_id):03d}", "geometry_type": "Point", "valid_extent": EXTENT,
        "style_id": None, **extra})


NOTICES = _layer("acc_notices", "测试航道通告", read_roles=["public"], access={"public": True},
                 fields=[{"name": "title", "type": "string", "title_zh": "标题"},
                         {"name": "adcode", "type": "string", "title_zh": "代码"}])
OPEN = _layer("acc_open", "测试公开图层", read_roles=["public"],
              fields=[{"name": "title", "type": "string", "title_zh": "标题"},
                      {"name": "adcode", "type": "string", "title_zh": "代码"}])
CASES = _layer("acc_cases", "测试执法案件", read_roles=["inspector", "supervisor"],
               write_roles=["inspector", "supervisor"],
               access={"region_field": "adcode", "unmask_roles": ["inspector"]},
               fields=[{"name": "title", "type": "string", "title_zh": "案件名称"},
                       {"name": "adcode", "type": "string", "title_zh": "代码", "max_length": 6},
                       {"name": "plate", "type": "string", "title_zh": "车牌号", "sensitive": "plate"},
                       {"name": "internal_note", "type": "string", "title_zh": "内部意见",
                        "read_roles": ["supervisor"]}])
PATROLS = _layer("acc_patrols", "测试巡查轨迹点", read_roles=["inspector"], access={"region_by_area": True},
                 fields=[{"name": "title", "type": "string", "title_zh": "名称"},
                         {"name": "adcode", "type": "string", "title_zh": "代码"}])
LAYERS = (NOTICES, OPEN, CASES, PATROLS)

#: Each layer's items: one in each prefecture, west (Changchun) and east (Jilin) of 126°E.
PLACES = {"220100": (125.30, 43.90), "220200": (126.55, 43.85)}
PLATES = {"220100": "吉A12345", "220200": "吉B67890"}


def records(layer: LayerDefinition) -> list[FeatureRecord]:
    found = []
    for code, (x, y) in PLACES.items():
        props: dict[str, Any] = {"title": f"{layer.title_zh}-{code}", "adcode": code}
        if layer is CASES:
            props |= {"plate": PLATES[code], "internal_note": f"内部-{code}"}
        found.append(FeatureRecord(Point(x, y), props))
    return found


def boundary_records() -> list[FeatureRecord]:
    return [FeatureRecord(MultiPolygon([shape]), {"adcode": code, "name_zh": code})
            for code, shape in BOUNDARIES.items()]


@dataclass(frozen=True)
class Caller:
    key: str
    roles: frozenset[str]
    region: str | None = None

    @property
    def token(self) -> str | None:
        return None if self.key == "anonymous" else f"access-token-of-{self.key}-0123456789"

    @property
    def headers(self) -> dict[str, str]:
        return {} if self.token is None else {"Authorization": f"Bearer {self.token}"}

    @property
    def admin(self) -> bool:
        return "admin" in self.roles


ANONYMOUS = Caller("anonymous", frozenset())
ADMIN = Caller("admin", frozenset({"admin"}))
INSPECTOR_CC = Caller("inspector_cc", frozenset({"inspector"}), "220100")  # Changchun inspector
INSPECTOR_PROVINCE = Caller("inspector_province", frozenset({"inspector"}))  # province: no region
SUPERVISOR_JL = Caller("supervisor_jl", frozenset({"supervisor"}), "220200")  # Jilin city supervisor
OUTSIDER = Caller("outsider", frozenset({"credit_officer"}), "220100")  # reads no restricted layer
CALLERS = (ANONYMOUS, ADMIN, INSPECTOR_CC, INSPECTOR_PROVINCE, SUPERVISOR_JL, OUTSIDER)
ADMIN_TOKEN = "access-admin-token-0123456789"


def write_users(path: Path) -> Path:
    users = {c.token: {"name": c.key, "roles": sorted(c.roles), "region": c.region}
             for c in CALLERS if c.token is not None and not c.admin}
    path.write_text(yaml.safe_dump({"users": users}, allow_unicode=True), encoding="utf-8")
    return path


def caller_headers(caller: Caller) -> dict[str, str]:
    if caller.admin:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    return caller.headers


# -- the oracle: what each caller should get, from the declarations alone --------------------------
def may_read(caller: Caller, layer: LayerDefinition, *, anonymous_all: bool) -> bool:
    if caller.admin:
        return True
    if caller is ANONYMOUS:
        return "public" in layer.read_roles and (anonymous_all or layer.access.public)
    return bool((caller.roles | {"public"}) & set(layer.read_roles))


def denied_status(caller: Caller) -> int:
    return 401 if caller is ANONYMOUS else 403


def visible_regions(caller: Caller, layer: LayerDefinition) -> set[str]:
    """The prefectures whose items the caller sees in `layer` (all when not bound to a region)."""
    rules = layer.access
    if caller.admin or caller.region is None or not (rules.region_field or rules.region_by_area):
        return set(PLACES)
    return {caller.region} & set(PLACES)


def expected_properties(caller: Caller, layer: LayerDefinition, stored: dict[str, Any]) -> dict[str, Any]:
    """The properties the caller should read of an item stored with `stored`."""
    shown: dict[str, Any] = {}
    for spec in layer.fields:
        if spec.read_roles and not caller.admin and not caller.roles & set(spec.read_roles):
            continue
        value = stored.get(spec.name)
        if spec.sensitive is not None and not caller.admin and not caller.roles & set(layer.access.unmask_roles):
            value = mask_value(value, SensitiveKind(spec.sensitive))
        shown[spec.name] = value
    return shown
