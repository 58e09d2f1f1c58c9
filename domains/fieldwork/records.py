"""The two layers field work keeps its records in, registered by `domains.fieldwork` itself so both
stores hold them as ordinary features (no new tables) and the one map shows them:

- `field_conflicts` (现场作业冲突): a workflow layer, one item per field edit that was not applied —
  the item had changed on the server since the package was built (`cause` = conflict) or the
  workflow refused the edit (`cause` = rejected). Each holds both versions: the server's
  properties and geometry as they were at sync time, and the field edit. A supervisor resolves it:
  待处理 → 已采用现场版本 / 已保留服务器版本.
- `field_receipts` (现场作业回执): one feature per edit that was applied (notes included: a note is
  kept as its receipt, with its text).

An edit id found in either layer has been handled: syncing it again does nothing.
"""

from __future__ import annotations

from layers.model import LayerDefinition
from layers.stores.base import FeatureStore

CONFLICTS_LAYER_ID = "field_conflicts"
RECEIPTS_LAYER_ID = "field_receipts"
DOMAIN = "fieldwork"
#: Who resolves conflicts (and may read both layers); administrators always may.
SUPERVISOR_ROLE = "field_supervisor"
#: The role sync acts with when it files a conflict (nobody needs it otherwise).
SYNC_ROLE = "fieldwork_sync"

PENDING, FIELD_TAKEN, SERVER_KEPT = "pending", "field_taken", "server_kept"
TAKE_FIELD, KEEP_SERVER = "take_field", "keep_server"
CAUSES = ("conflict", "rejected")

_KINDS = [{"code": "transition", "label_zh": "办理操作", "label_en": "transition"},
          {"code": "note", "label_zh": "现场备注", "label_en": "note"},
          {"code": "move", "label_zh": "位置调整", "label_en": "moved position"},
          {"code": "attachment", "label_zh": "现场照片/附件", "label_en": "attachment"}]

_EDIT_FIELDS = [
    {"name": "edit_id", "type": "string", "title_zh": "现场记录编号", "title_en": "Edit id", "required": True,
     "max_length": 64},
    {"name": "package_id", "type": "string", "title_zh": "离线包编号", "title_en": "Package id", "max_length": 64},
    {"name": "source_layer", "type": "string", "title_zh": "事项图层", "title_en": "Item layer", "required": True,
     "max_length": 63},
    {"name": "source_fid", "type": "integer", "title_zh": "事项编号", "title_en": "Item id", "required": True},
    {"name": "title", "type": "string", "title_zh": "事项", "title_en": "Item"},
    {"name": "kind", "type": "string", "title_zh": "记录类型", "title_en": "Kind", "required": True,
     "max_length": 16, "enum": _KINDS},
    {"name": "recorded_by", "type": "string", "title_zh": "记录人", "title_en": "Recorded by", "max_length": 64},
    {"name": "recorded_at", "type": "datetime", "title_zh": "现场记录时间", "title_en": "Recorded at"},
]

CONFLICTS_LAYER = LayerDefinition.model_validate({
    "id": CONFLICTS_LAYER_ID, "title_zh": "现场作业冲突", "title_en": "Field-work conflicts", "domain": DOMAIN,
    "description_zh": "离线现场作业同步时未能直接采用的记录：事项在服务器上已被修改（冲突），"
                      "或办理规则不允许（被拒绝）。保存服务器版本和现场版本，由审核人员选择采用哪一个。",
    "catalogue_code": "JL-JT-XC-9001", "geometry_type": "Point", "temporal_field": "recorded_at",
    "keywords": ["现场作业", "离线", "同步冲突", "field work", "conflicts"],
    "read_roles": [SUPERVISOR_ROLE], "write_roles": ["admin"],
    "fields": [
        *_EDIT_FIELDS,
        {"name": "cause", "type": "string", "title_zh": "原因类别", "title_en": "Cause", "required": True,
         "max_length": 16, "enum": [{"code": "conflict", "label_zh": "服务器已修改", "label_en": "changed on server"},
                                    {"code": "rejected", "label_zh": "办理规则不允许", "label_en": "refused"}]},
        {"name": "reason", "type": "string", "title_zh": "说明", "title_en": "Reason"},
        {"name": "field_edit", "type": "string", "title_zh": "现场版本（JSON）", "title_en": "Field edit (JSON)"},
        {"name": "recorded_roles", "type": "string", "title_zh": "记录人角色", "title_en": "Roles of the recorder"},
        {"name": "recorded_org", "type": "string", "title_zh": "记录人单位", "title_en": "Recorder's organisation"},
        {"name": "exported_version", "type": "integer", "title_zh": "离线时版本", "title_en": "Version at export"},
        {"name": "server_version", "type": "integer", "title_zh": "服务器版本号", "title_en": "Server version"},
        {"name": "server_properties", "type": "string", "title_zh": "服务器版本属性（JSON）",
         "title_en": "Server properties (JSON)"},
        {"name": "server_geometry", "type": "string", "title_zh": "服务器版本几何（GeoJSON）",
         "title_en": "Server geometry (GeoJSON)"},
        {"name": "adcode", "type": "string", "title_zh": "行政区划代码", "title_en": "Region code", "max_length": 12},
    ],
    "workflow": {
        "initial": PENDING,
        "create_roles": [SYNC_ROLE],
        "states": [
            {"id": PENDING, "name_zh": "待处理", "name_en": "Pending", "time_limit_hours": 72},
            {"id": FIELD_TAKEN, "name_zh": "已采用现场版本", "name_en": "Field version taken", "terminal": True},
            {"id": SERVER_KEPT, "name_zh": "已保留服务器版本", "name_en": "Server version kept", "terminal": True},
        ],
        "transitions": [
            {"id": TAKE_FIELD, "name_zh": "采用现场版本", "name_en": "Take the field version",
             "from_states": [PENDING], "to": FIELD_TAKEN, "roles": [SUPERVISOR_ROLE]},
            {"id": KEEP_SERVER, "name_zh": "保留服务器版本", "name_en": "Keep the server version",
             "from_states": [PENDING], "to": SERVER_KEPT, "roles": [SUPERVISOR_ROLE]},
        ],
    },
})

RECEIPTS_LAYER = LayerDefinition.model_validate({
    "id": RECEIPTS_LAYER_ID, "title_zh": "现场作业回执", "title_en": "Field-work receipts", "domain": DOMAIN,
    "description_zh": "离线现场作业同步后已采用的记录（办理操作、备注、位置调整、照片），每条记录一次。",
    "catalogue_code": "JL-JT-XC-9002", "geometry_type": "Point", "temporal_field": "recorded_at",
    "keywords": ["现场作业", "离线", "回执", "field work", "receipts"],
    "read_roles": [SUPERVISOR_ROLE], "write_roles": ["admin"],
    "fields": [
        *_EDIT_FIELDS,
        {"name": "note", "type": "string", "title_zh": "备注/意见", "title_en": "Note or comment"},
        {"name": "transition", "type": "string", "title_zh": "办理操作", "title_en": "Transition", "max_length": 32},
        {"name": "attachment_id", "type": "string", "title_zh": "附件编号", "title_en": "Attachment id",
         "max_length": 64},
        {"name": "result_version", "type": "integer", "title_zh": "同步后版本", "title_en": "Version after sync"},
        {"name": "synced_by", "type": "string", "title_zh": "同步人", "title_en": "Synced by", "max_length": 64},
        {"name": "synced_at", "type": "datetime", "title_zh": "同步时间", "title_en": "Synced at"},
    ],
})

FIELDWORK_LAYERS = (CONFLICTS_LAYER, RECEIPTS_LAYER)


def ensure_layers(store: FeatureStore) -> None:
    """Register both layers (no change when they are registered as they are)."""
    for layer in FIELDWORK_LAYERS:
        store.register_layer(layer, replace=True)
