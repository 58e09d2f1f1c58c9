"""One field edit: a row of a package's `edits` table, checked and turned into Python values.

`parse_edit` checks a row on its own (kinds, types, the UUID, the JSON of `values_json`, the time,
coordinates, attachment name and size) and returns a `FieldEdit` or the list of what is wrong with
it; whether its layer and item are in the package is the reader's check. A `FieldEdit` also goes
to and from JSON (without the photo's bytes), which is how a conflict record keeps the field version.
"""

from __future__ import annotations

import hashlib
import math
import mimetypes
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from domains.fieldwork.layout import DEFAULT_EVIDENCE, EDIT_KINDS, EVIDENCE_NAME, MAX_ATTACHMENT_BYTES
from layers.validation import CHINA_TZ


@dataclass(frozen=True, slots=True)
class FieldEdit:
    """What a person recorded offline about one item."""

    edit_id: str
    layer_id: str
    fid: int
    kind: str  # transition | note | move | attachment
    recorded_at: datetime
    recorded_by: str
    #: Position in the edits table (ties in `recorded_at` keep the order the app appended them in).
    row: int = 0
    transition: str | None = None
    comment: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    lon: float | None = None
    lat: float | None = None
    attachment_name: str | None = None
    attachment_filename: str | None = None
    attachment_media_type: str | None = None
    attachment: bytes | None = None

    @property
    def sort_key(self) -> tuple[datetime, int]:
        return (self.recorded_at, self.row)

    def as_json(self) -> dict[str, Any]:
        """The edit without the attachment's bytes (size and SHA-256 instead)."""
        data: dict[str, Any] = {
            "edit_id": self.edit_id, "layer": self.layer_id, "fid": self.fid, "kind": self.kind,
            "recorded_at": self.recorded_at.isoformat(), "recorded_by": self.recorded_by,
            "transition": self.transition, "comment": self.comment, "values": dict(self.values),
            "lon": self.lon, "lat": self.lat,
        }
        if self.kind == "attachment":
            content = self.attachment or b""
            data.update({"attachment_name": self.attachment_name, "attachment_filename": self.attachment_filename,
                         "attachment_media_type": self.attachment_media_type, "attachment_size": len(content),
                         "attachment_sha256": hashlib.sha256(content).hexdigest()})
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], attachment: bytes | None = None) -> FieldEdit:
        return cls(edit_id=str(data["edit_id"]), layer_id=str(data["layer"]), fid=int(data["fid"]),
                   kind=str(data["kind"]), recorded_at=datetime.fromisoformat(str(data["recorded_at"])),
                   recorded_by=str(data["recorded_by"]), transition=data.get("transition"),
                   comment=data.get("comment"), values=dict(data.get("values") or {}), lon=data.get("lon"),
                   lat=data.get("lat"), attachment_name=data.get("attachment_name"),
                   attachment_filename=data.get("attachment_filename"),
                   attachment_media_type=data.get("attachment_media_type"), attachment=attachment)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "strict")
    if not isinstance(value, str):
        raise TypeError
    return value.strip() or None


def _instant(value: Any) -> datetime:
    text = _text(value)
    if text is None:
        raise ValueError("missing")
    moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_TZ)


def _coordinate(value: Any, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError
    if abs(value) > limit:
        raise ValueError
    return float(value)


def parse_edit(row: Mapping[str, Any]) -> tuple[FieldEdit | None, list[str]]:
    """A row of `edits` (column → value as SQLite gives it) → the edit, or None and what is wrong."""
    problems: list[str] = []
    where = f"edits 第 {row.get('id')} 行 / edits row {row.get('id')}"

    def bad(zh: str, en: str) -> None:
        problems.append(f"{where}: {zh} / {en}")

    try:
        edit_id = str(uuid.UUID(str(_text(row.get("edit_id")))))
    except (TypeError, ValueError, UnicodeDecodeError):
        edit_id = ""
        bad("edit_id 须为 UUID", "edit_id must be a UUID")
    texts: dict[str, str | None] = {}
    for name in ("layer", "kind", "transition", "comment", "values_json", "attachment_name", "attachment_filename",
                 "attachment_media_type", "recorded_by"):
        try:
            texts[name] = _text(row.get(name))
        except (TypeError, UnicodeDecodeError):
            texts[name] = None
            bad(f"{name} 须为文本", f"{name} must be text")
    kind = texts["kind"]
    if kind not in EDIT_KINDS:
        bad(f"未知记录类型 {kind!r}", f"kind must be one of {', '.join(EDIT_KINDS)}")
    fid = row.get("fid")
    if isinstance(fid, bool) or not isinstance(fid, int):
        bad("fid 须为整数", "fid must be an integer")
        fid = 0
    if texts["layer"] is None:
        bad("缺少图层", "layer is missing")
    if texts["recorded_by"] is None:
        bad("缺少记录人", "recorded_by is missing")
    try:
        recorded_at = _instant(row.get("recorded_at"))
    except (TypeError, ValueError, UnicodeDecodeError):
        recorded_at = datetime.min.replace(tzinfo=CHINA_TZ)
        bad("recorded_at 须为 ISO 8601 时间", "recorded_at must be an ISO 8601 date-time")
    values: dict[str, Any] = {}
    if texts["values_json"] is not None:
        try:
            loaded = orjson.loads(texts["values_json"] or "")
        except orjson.JSONDecodeError:
            loaded = None
        if not isinstance(loaded, dict):
            bad("values_json 须为 JSON 对象", "values_json must be a JSON object")
        else:
            values = loaded
    lon = lat = None
    attachment: bytes | None = None
    if kind == "transition" and texts["transition"] is None:
        bad("办理操作记录缺少 transition", "a transition edit needs its transition id")
    if kind == "note" and texts["comment"] is None:
        bad("备注记录缺少内容（comment）", "a note needs its text in comment")
    if kind == "move":
        try:
            lon, lat = _coordinate(row.get("lon"), 180.0), _coordinate(row.get("lat"), 90.0)
        except ValueError:
            bad("位置调整须给出有效的经纬度（lon、lat）", "a move needs valid lon and lat")
    if kind == "attachment":
        blob = row.get("attachment")
        if not isinstance(blob, bytes) or not blob:
            bad("附件记录缺少文件内容（attachment）", "an attachment edit needs the file in attachment")
        elif len(blob) > MAX_ATTACHMENT_BYTES:
            bad(f"附件超过 {MAX_ATTACHMENT_BYTES} 字节", f"attachment larger than {MAX_ATTACHMENT_BYTES} bytes")
        else:
            attachment = blob
        name = texts["attachment_name"] or DEFAULT_EVIDENCE
        if not EVIDENCE_NAME.match(name):
            bad("附件要件名称须为小写字母、数字、下划线", "attachment_name must be an evidence name like rectify_photo")
    if problems:
        return None, problems
    filename = texts["attachment_filename"] or ("attachment" if kind == "attachment" else None)
    media_type = texts["attachment_media_type"]
    if kind == "attachment" and media_type is None:
        media_type = mimetypes.guess_type(filename or "")[0] or "application/octet-stream"
    assert kind is not None and texts["layer"] is not None and texts["recorded_by"] is not None
    return FieldEdit(
        edit_id=edit_id, layer_id=texts["layer"], fid=int(fid), kind=kind, recorded_at=recorded_at,
        recorded_by=texts["recorded_by"], row=int(row.get("id") or 0), transition=texts["transition"],
        comment=texts["comment"], values=values, lon=lon, lat=lat,
        attachment_name=(texts["attachment_name"] or DEFAULT_EVIDENCE) if kind == "attachment" else None,
        attachment_filename=filename, attachment_media_type=media_type, attachment=attachment), []
