"""Reading the workflow tables of the GeoPackage (history steps) and keeping evidence files
(`onemap_attachments`). May import: sqlalchemy, orjson, layers.*, this package.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
import sqlalchemy as sa

from layers.errors import AttachmentNotFound, FeatureNotFound
from layers.model import LayerDefinition
from layers.protect.write_audit import attachment_detail, record_write
from layers.stores.geopackage import geometry as gpb
from layers.stores.geopackage.engine import reading, writing
from layers.stores.geopackage.schema import quote
from layers.stores.geopackage.values import format_datetime, parse_datetime
from layers.stores.geopackage.writer import require_layer
from layers.stores.history import Attachment, HistoryFilter, HistoryRow

_PLAIN = ("layer_id", "fid", "seq", "at", "actor", "actor_org", "holder_org", "region", "domain", "transition",
          "from_state", "to_state", "comment", "state_since", "deadline", "late")


def _time(value: Any) -> Any:
    return None if value is None else parse_datetime(str(value))


def _row(m: Any, *, full: bool) -> HistoryRow:
    return HistoryRow(
        layer_id=m["layer_id"], fid=int(m["fid"]), seq=int(m["seq"]), at=_time(m["at"]), actor=m["actor"],
        to_state=m["to_state"], from_state=m["from_state"], transition=m["transition"], actor_org=m["actor_org"],
        holder_org=m["holder_org"], region=m["region"], domain=m["domain"], comment=m["comment"],
        values=orjson.loads(m["values_json"]) if full else {},
        geometry=gpb.decode(m["geom"]) if full and m["geom"] is not None else None,
        state_since=_time(m["state_since"]), deadline=_time(m["deadline"]), late=bool(m["late"]),
    )


def history(engine: sa.Engine, layer: LayerDefinition, fid: int) -> list[HistoryRow]:
    sql = (f"SELECT {', '.join(_PLAIN)}, values_json, geom FROM onemap_history WHERE layer_id = ? AND fid = ? "
           "ORDER BY seq")
    with reading(engine) as conn:
        return [_row(row._mapping, full=True) for row in conn.exec_driver_sql(sql, (layer.id, int(fid)))]


def history_rows(engine: sa.Engine, selection: HistoryFilter) -> list[HistoryRow]:
    ids = list(selection.layer_ids)
    if not ids:
        return []
    conditions = [f"layer_id IN ({', '.join('?' for _ in ids)})"]
    params: list[Any] = list(ids)
    for clause, value in (("at >= ?", selection.start), ("at <= ?", selection.end)):
        if value is not None:
            conditions.append(clause)
            params.append(format_datetime(value))
    for clause, text in (("domain = ?", selection.domain), ("region = ?", selection.region)):
        if text is not None:
            conditions.append(clause)
            params.append(text)
    sql = f"SELECT {', '.join(_PLAIN)} FROM onemap_history WHERE {' AND '.join(conditions)} ORDER BY at, id"
    with reading(engine) as conn:
        return [_row(row._mapping, full=False) for row in conn.exec_driver_sql(sql, tuple(params))]


# -- attachments ---------------------------------------------------------------------------------
_LISTED = ("id", "layer_id", "fid", "name", "filename", "media_type", "size", "sha256", "uploaded_by", "uploaded_at")


def _attachment(m: Any, content: bytes | None = None) -> Attachment:
    return Attachment(id=m["id"], layer_id=m["layer_id"], fid=int(m["fid"]), name=m["name"], filename=m["filename"],
                      media_type=m["media_type"], size=int(m["size"]), sha256=m["sha256"],
                      uploaded_by=m["uploaded_by"], uploaded_at=parse_datetime(str(m["uploaded_at"])),
                      content=content)


def put_attachment(engine: sa.Engine, layer: LayerDefinition, attachment: Attachment) -> Attachment:
    with writing(engine) as conn:
        require_layer(conn, layer)
        found = conn.exec_driver_sql(f"SELECT 1 FROM {quote(layer.id)} WHERE fid = ?", (int(attachment.fid),)).first()
        if found is None:
            raise FeatureNotFound(f"要素不存在 / no feature {attachment.fid} in collection {layer.id!r}")
        conn.exec_driver_sql(
            f"INSERT INTO onemap_attachments ({', '.join(_LISTED)}, content) VALUES ({', '.join('?' * 11)})",
            (attachment.id, layer.id, int(attachment.fid), attachment.name, attachment.filename,
             attachment.media_type, attachment.size, attachment.sha256, attachment.uploaded_by,
             format_datetime(attachment.uploaded_at), attachment.content or b""))
        record_write(conn, "geopackage", layer.id, "put_attachment", action="attachment",
                     **attachment_detail(attachment))
    return dataclasses.replace(attachment, layer_id=layer.id, content=None)


def attachments(engine: sa.Engine, layer: LayerDefinition, fid: int) -> list[Attachment]:
    sql = (f"SELECT {', '.join(_LISTED)} FROM onemap_attachments WHERE layer_id = ? AND fid = ? "
           "ORDER BY uploaded_at, id")
    with reading(engine) as conn:
        return [_attachment(row._mapping) for row in conn.exec_driver_sql(sql, (layer.id, int(fid)))]


def get_attachment(engine: sa.Engine, layer: LayerDefinition, fid: int, attachment_id: str) -> Attachment:
    sql = (f"SELECT {', '.join(_LISTED)}, content FROM onemap_attachments WHERE layer_id = ? AND fid = ? "
           "AND id = ?")
    with reading(engine) as conn:
        row = conn.exec_driver_sql(sql, (layer.id, int(fid), attachment_id)).first()
    if row is None:
        raise AttachmentNotFound(f"附件不存在 / no attachment {attachment_id!r} on feature {fid}")
    return _attachment(row._mapping, bytes(row._mapping["content"]))
