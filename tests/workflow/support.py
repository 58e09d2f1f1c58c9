"""The test workflow and its callers, shared by fixtures and tests: a hazard-like workflow
(reported → assessed → rectifying → verified → closed, with a dismissal and a send-back that need a
comment, a `rectify_by` deadline field, required fields and a required attachment), the callers who
play its roles, and the users file that names them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from shapely.geometry import Point

from domains.workflow import Actor
from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord

WORKFLOW: dict[str, Any] = {
    "initial": "reported",
    "create_roles": ["hazard_reporter"],
    "states": [
        {"id": "reported", "name_zh": "已上报", "name_en": "Reported", "time_limit_hours": 24},
        {"id": "assessed", "name_zh": "已评估", "name_en": "Assessed", "time_limit_hours": 48},
        {"id": "rectifying", "name_zh": "整改中", "name_en": "Rectifying", "deadline_field": "rectify_by"},
        {"id": "verified", "name_zh": "已验收", "name_en": "Verified", "time_limit_hours": 24},
        {"id": "closed", "name_zh": "已销号", "name_en": "Closed", "terminal": True},
        {"id": "dismissed", "name_zh": "不予受理", "name_en": "Dismissed", "terminal": True},
    ],
    "transitions": [
        {"id": "assess", "name_zh": "评估", "from_states": ["reported"], "to": "assessed",
         "roles": ["safety_officer"], "requires": ["grade"]},
        {"id": "dismiss", "name_zh": "不予受理", "from_states": ["reported"], "to": "dismissed",
         "roles": ["safety_officer"], "comment_required": True},
        {"id": "assign", "name_zh": "交办整改", "from_states": ["assessed"], "to": "rectifying",
         "roles": ["safety_officer"], "requires": ["rectify_by", "responsible_unit"]},
        {"id": "verify", "name_zh": "验收", "from_states": ["rectifying"], "to": "verified",
         "roles": ["safety_officer"], "attachments": ["rectify_photo"]},
        {"id": "send_back", "name_zh": "退回整改", "from_states": ["verified"], "to": "rectifying",
         "roles": ["safety_lead"], "comment_required": True},
        {"id": "close", "name_zh": "销号", "from_states": ["verified"], "to": "closed", "roles": ["safety_lead"]},
    ],
}

HAZARDS = LayerDefinition.model_validate({
    "id": "haz_wf_test", "title_zh": "测试隐患", "title_en": "Test hazards", "domain": "hazards",
    "catalogue_code": "JL-JT-AQ-9901", "geometry_type": "Point", "valid_extent": [120.0, 40.0, 132.0, 47.0],
    "write_roles": ["admin"],
    "fields": [
        {"name": "name", "type": "string", "title_zh": "隐患名称"},
        {"name": "grade", "type": "string", "title_zh": "隐患等级",
         "enum": [{"code": "major", "label_zh": "重大"}, {"code": "general", "label_zh": "一般"}]},
        {"name": "rectify_by", "type": "date", "title_zh": "整改期限"},
        {"name": "responsible_unit", "type": "string", "title_zh": "责任单位"},
        {"name": "adcode", "type": "string", "title_zh": "行政区划代码"},
    ],
    "workflow": WORKFLOW,
})

REPORTER = Actor("wang.wu", frozenset({"hazard_reporter"}), "长春市公路养护中心", "220100", "王五")
OFFICER = Actor("li.si", frozenset({"safety_officer"}), "长春市交通运输局", "220100", "李四")
LEAD = Actor("zhao.liu", frozenset({"safety_lead"}), "吉林省交通运输厅", "220000", "赵六")
STRANGER = Actor("qian.qi", frozenset({"inspector"}), "吉林市交通运输综合行政执法支队", "220200")

T0 = datetime(2024, 5, 6, 1, 0, tzinfo=UTC)  # 09:00 China time


def hazard(x: float = 125.32, y: float = 43.88, **properties: Any) -> FeatureRecord:
    return FeatureRecord(Point(x, y), {"name": "边坡落石", **properties})


ADMIN_TOKEN = "workflow-admin-token-0123456789"
TOKENS = {actor.name: f"token-of-{actor.name}-0123456789abcdef" for actor in (REPORTER, OFFICER, LEAD, STRANGER)}
GEOJSON = {"Content-Type": "application/geo+json"}


def auth(actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[actor.name]}"}


def write_users_file(path: Path) -> Path:
    users = {TOKENS[a.name]: {"name": a.name, "display_name": a.display_name, "roles": sorted(a.roles),
                              "organisation": a.organisation, "region": a.region}
             for a in (REPORTER, OFFICER, LEAD, STRANGER)}
    path.write_text(yaml.safe_dump({"users": users}, allow_unicode=True), encoding="utf-8")
    return path
