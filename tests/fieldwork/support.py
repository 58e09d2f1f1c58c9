"""The field-work tests' world: a small hazard workflow layer, the people who work it, a set of items
in the states a field package meets, and a field app's way of appending edits (plain sqlite3)."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from shapely.geometry import Point, shape

from domains.workflow import Actor, TransitionRequest, create_item, perform
from domains.workflow.engine import STORAGE
from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord, FeatureStore
from layers.stores.history import Attachment

LAYER = LayerDefinition.model_validate({
    "id": "fw_hazards", "title_zh": "现场测试隐患", "title_en": "Field test hazards", "domain": "hazards",
    "catalogue_code": "JL-JT-AQ-9902", "geometry_type": "Point", "valid_extent": [120.0, 40.0, 132.0, 47.0],
    "write_roles": ["safety_officer"],
    "fields": [
        {"name": "name", "type": "string", "title_zh": "隐患名称"},
        {"name": "grade", "type": "string", "title_zh": "隐患等级",
         "enum": [{"code": "major", "label_zh": "重大"}, {"code": "general", "label_zh": "一般"}]},
        {"name": "rectify_by", "type": "date", "title_zh": "整改期限"},
        {"name": "responsible_unit", "type": "string", "title_zh": "责任单位"},
        {"name": "adcode", "type": "string", "title_zh": "行政区划代码"},
    ],
    "workflow": {
        "initial": "reported",
        "create_roles": ["hazard_reporter", "safety_officer"],
        "states": [
            {"id": "reported", "name_zh": "已上报", "time_limit_hours": 24},
            {"id": "assessed", "name_zh": "已评估", "time_limit_hours": 48},
            {"id": "rectifying", "name_zh": "整改中", "deadline_field": "rectify_by"},
            {"id": "verified", "name_zh": "已验收", "time_limit_hours": 24},
            {"id": "closed", "name_zh": "已销号", "terminal": True},
            {"id": "dismissed", "name_zh": "不予受理", "terminal": True},
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
            {"id": "close", "name_zh": "销号", "from_states": ["verified"], "to": "closed", "roles": ["safety_lead"]},
        ],
    },
})

OFFICER = Actor("li.si", frozenset({"safety_officer"}), "长春市交通运输局", "220100", "李四")
REPORTER = Actor("wang.wu", frozenset({"hazard_reporter"}), "长春市公路养护中心", "220100", "王五")
LEAD = Actor("zhao.liu", frozenset({"safety_lead"}), "吉林省交通运输厅", "220000", "赵六")
SUPERVISOR = Actor("sun.ba", frozenset({"field_supervisor"}), "吉林省交通运输厅", "220000", "孙八")
T0 = datetime(2024, 5, 6, 1, 0, tzinfo=UTC)
T_EXPORT = datetime(2024, 5, 7, 1, 0, tzinfo=UTC)
T_FIELD = datetime(2024, 5, 7, 3, 0, tzinfo=UTC)
T_SYNC = datetime(2024, 5, 7, 9, 0, tzinfo=UTC)
PHOTO = b"\xff\xd8\xff\xe0 a small jpeg \xff\xd9"


@dataclass(frozen=True)
class Items:
    """The test items by role in the story (fids)."""

    reported: int  # held by li.si: assessed in the field
    assessed: int  # handed to "李四" (display name): moved in the field
    rectifying: int  # held by li.si: photo + verify in the field
    verified: int  # held by li.si: "close" in the field, which his role does not allow
    contested: int  # held by li.si: assessed in the field while the server changes it
    others: int  # held by wang.wu: not in li.si's package
    closed: int  # dismissed by li.si (terminal): not in the package


def _step(store: FeatureStore, fid: int, transition: str, actor: Actor = OFFICER, **values: Any) -> None:
    comment = "现场核实不属实" if transition == "dismiss" else None
    perform(store, LAYER, fid, TransitionRequest(transition, comment=comment, values=values), actor, now=T0)


def make_items(store: FeatureStore) -> Items:
    def new(name: str, actor: Actor = OFFICER, x: float = 125.32) -> int:
        return create_item(store, LAYER, FeatureRecord(Point(x, 43.88), {"name": name}), actor, now=T0)

    reported = new("边坡落石")
    assessed = new("护栏缺失", x=125.40)
    _step(store, assessed, "assess", grade="general", holder="李四")
    rectifying = new("标志损坏", x=125.50)
    _step(store, rectifying, "assess", grade="major")
    _step(store, rectifying, "assign", rectify_by="2024-05-20", responsible_unit="长春公路管理处")
    verified = new("路面坑槽", x=125.60)
    _step(store, verified, "assess", grade="general")
    _step(store, verified, "assign", rectify_by="2024-05-20", responsible_unit="长春公路管理处")
    store.put_attachment(LAYER, Attachment(id="before-photo", layer_id=LAYER.id, fid=verified, name="rectify_photo",
                                           filename="a.jpg", media_type="image/jpeg", size=3, sha256="0" * 64,
                                           uploaded_by=OFFICER.name, uploaded_at=T0, content=b"jpg"))
    _step(store, verified, "verify")
    contested = new("涵洞堵塞", x=125.70)
    others = new("积水", REPORTER, x=125.80)
    closed = new("误报", x=125.90)
    _step(store, closed, "dismiss")
    return Items(reported, assessed, rectifying, verified, contested, others, closed)


def append_edit(path: Path, layer: str, fid: int, kind: str, *, edit_id: str | None = None,
                recorded_at: datetime = T_FIELD, **columns: Any) -> str:
    """Append one row to the package's `edits` table as a field app would; returns its edit id."""
    ident = edit_id or str(uuid.uuid4())
    row: dict[str, Any] = {"edit_id": ident, "layer": layer, "fid": fid, "kind": kind,
                           "recorded_at": recorded_at.isoformat().replace("+00:00", "Z"), "recorded_by": "李四"}
    if "values" in columns:
        row["values_json"] = orjson.dumps(columns.pop("values")).decode()
    row.update(columns)
    names = ", ".join(row)
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(f"INSERT INTO edits ({names}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
    return ident


def record_field_work(path: Path, items: Items) -> dict[str, str]:
    """What li.si records offline (edit ids by label), in the order he records them."""
    at = [datetime(2024, 5, 7, 2, minute, tzinfo=UTC) for minute in range(10)]
    return {
        "note": append_edit(path, LAYER.id, items.reported, "note", comment="落石已清理一半", recorded_at=at[0]),
        "assess": append_edit(path, LAYER.id, items.reported, "transition", transition="assess",
                              values={"grade": "major"}, comment="现场评估为重大", recorded_at=at[1]),
        "move": append_edit(path, LAYER.id, items.assessed, "move", lon=125.4321, lat=43.9012, recorded_at=at[2]),
        "photo": append_edit(path, LAYER.id, items.rectifying, "attachment", attachment_name="rectify_photo",
                             attachment_filename="整改后.jpg", attachment=PHOTO, recorded_at=at[3]),
        "verify": append_edit(path, LAYER.id, items.rectifying, "transition", transition="verify", recorded_at=at[4]),
        "close": append_edit(path, LAYER.id, items.verified, "transition", transition="close", recorded_at=at[5]),
        "contested": append_edit(path, LAYER.id, items.contested, "transition", transition="assess",
                                 values={"grade": "general"}, recorded_at=at[6]),
        "contested_photo": append_edit(path, LAYER.id, items.contested, "attachment", attachment=PHOTO,
                                       attachment_filename="涵洞.jpg", recorded_at=at[7]),
    }


def change_on_server(store: FeatureStore, fid: int, name: str) -> int:
    """A concurrent edit on the server (a plain Part 4 replacement of the name); the new version."""
    current = store.get(LAYER, fid, STORAGE)
    record = FeatureRecord(shape(current.geometry), {**current.properties, "name": name})
    return store.replace(LAYER, fid, record, expected_version=current.version).version
