"""The workflow platform tables on PostGIS as SQLAlchemy Core objects, and reading them back.

`onemap_history` (append-only steps) and `onemap_attachments` (evidence files) are created by the
Alembic migration `0003_workflow_history`; these objects only describe them for queries.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC
from typing import Any

import shapely
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

from layers.errors import AttachmentNotFound, FeatureNotFound, LayerNotFound
from layers.model import LayerDefinition
from layers.protect.write_audit import attachment_detail, record_write
from layers.stores.history import Attachment, HistoryFilter, HistoryRow
from layers.stores.postgis.support import translated
from layers.stores.postgis.tables import layer_table

metadata = sa.MetaData()

history_table = sa.Table(
    "onemap_history",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("layer_id", sa.Text, nullable=False),
    sa.Column("fid", sa.BigInteger, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("actor_org", sa.Text),
    sa.Column("holder_org", sa.Text),
    sa.Column("region", sa.Text),
    sa.Column("domain", sa.Text),
    sa.Column("transition", sa.Text),
    sa.Column("from_state", sa.Text),
    sa.Column("to_state", sa.Text, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("values_json", JSONB, nullable=False),
    sa.Column("geom", Geometry("GEOMETRY", srid=4490, spatial_index=False)),
    sa.Column("state_since", sa.DateTime(timezone=True)),
    sa.Column("deadline", sa.DateTime(timezone=True)),
    sa.Column("late", sa.Boolean, nullable=False),
)

attachments_table = sa.Table(
    "onemap_attachments",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("layer_id", sa.Text, nullable=False),
    sa.Column("fid", sa.BigInteger, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("media_type", sa.Text, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("uploaded_by", sa.Text, nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
)

#: Columns of a history COPY, in order, and the types psycopg sends them as.
HISTORY_COPY_COLUMNS = ("layer_id", "fid", "seq", "at", "actor", "actor_org", "holder_org", "region", "domain",
                        "transition", "from_state", "to_state", "comment", "values_json", "geom", "state_since",
                        "deadline", "late")
HISTORY_COPY_TYPES = ("text", "int8", "int4", "timestamptz", "text", "text", "text", "text", "text", "text", "text",
                      "text", "text", "jsonb", "bytea", "timestamptz", "timestamptz", "bool")

_PLAIN = [c for c in history_table.c if c.name not in ("id", "geom", "values_json")]


def _utc(value: Any) -> Any:
    return None if value is None else value.astimezone(UTC)


def _row(mapping: Any, *, geometry: bool) -> HistoryRow:
    return HistoryRow(
        layer_id=mapping["layer_id"], fid=int(mapping["fid"]), seq=int(mapping["seq"]), at=_utc(mapping["at"]),
        actor=mapping["actor"], to_state=mapping["to_state"], from_state=mapping["from_state"],
        transition=mapping["transition"], actor_org=mapping["actor_org"], holder_org=mapping["holder_org"],
        region=mapping["region"], domain=mapping["domain"], comment=mapping["comment"],
        values=mapping["values_json"] if geometry else {},
        geometry=shapely.from_wkb(mapping["wkb"]) if geometry and mapping["wkb"] is not None else None,
        state_since=_utc(mapping["state_since"]), deadline=_utc(mapping["deadline"]), late=bool(mapping["late"]),
    )


def history(engine: sa.Engine, layer: LayerDefinition, fid: int) -> list[HistoryRow]:
    h = history_table.c
    statement = (sa.select(*_PLAIN, h.values_json, sa.func.ST_AsBinary(h.geom).label("wkb"))
                 .where(h.layer_id == layer.id, h.fid == int(fid)).order_by(h.seq))
    with translated(layer.id), engine.connect() as conn:
        return [_row(row._mapping, geometry=True) for row in conn.execute(statement)]


def history_rows(engine: sa.Engine, selection: HistoryFilter) -> list[HistoryRow]:
    h = history_table.c
    conditions: list[sa.ColumnElement[bool]] = [h.layer_id.in_(list(selection.layer_ids))]
    if selection.start is not None:
        conditions.append(h.at >= selection.start)
    if selection.end is not None:
        conditions.append(h.at <= selection.end)
    if selection.domain is not None:
        conditions.append(h.domain == selection.domain)
    if selection.region is not None:
        conditions.append(h.region == selection.region)
    statement = sa.select(*_PLAIN).where(*conditions).order_by(h.at, h.id)
    with translated(), engine.connect() as conn:
        return [_row(row._mapping, geometry=False) for row in conn.execute(statement)]


# -- attachments ---------------------------------------------------------------------------------
_LISTED = [c for c in attachments_table.c if c.name != "content"]


def _attachment(mapping: Any, content: bytes | None = None) -> Attachment:
    return Attachment(id=mapping["id"], layer_id=mapping["layer_id"], fid=int(mapping["fid"]), name=mapping["name"],
                      filename=mapping["filename"], media_type=mapping["media_type"], size=int(mapping["size"]),
                      sha256=mapping["sha256"], uploaded_by=mapping["uploaded_by"],
                      uploaded_at=_utc(mapping["uploaded_at"]), content=content)


def put_attachment(engine: sa.Engine, layer: LayerDefinition, attachment: Attachment) -> Attachment:
    table = layer_table(layer)
    with translated(layer.id, writing=True), engine.begin() as conn:
        registered = conn.execute(sa.text("SELECT 1 FROM onemap_layers WHERE id = :i"), {"i": layer.id}).first()
        if registered is None:
            raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}")
        found = conn.execute(sa.select(table.c.fid).where(table.c.fid == int(attachment.fid)).with_for_update(
            read=True)).first()
        if found is None:
            raise FeatureNotFound(f"要素不存在 / no feature {attachment.fid} in collection {layer.id!r}")
        conn.execute(sa.insert(attachments_table).values(
            id=attachment.id, layer_id=layer.id, fid=int(attachment.fid), name=attachment.name,
            filename=attachment.filename, media_type=attachment.media_type, size=attachment.size,
            sha256=attachment.sha256, content=attachment.content or b"", uploaded_by=attachment.uploaded_by,
            uploaded_at=attachment.uploaded_at))
        record_write(conn, "postgis", layer.id, "put_attachment", action="attachment", **attachment_detail(attachment))
    return dataclasses.replace(attachment, layer_id=layer.id, content=None)


def attachments(engine: sa.Engine, layer: LayerDefinition, fid: int) -> list[Attachment]:
    a = attachments_table.c
    statement = (sa.select(*_LISTED).where(a.layer_id == layer.id, a.fid == int(fid))
                 .order_by(a.uploaded_at, a.id))
    with translated(layer.id), engine.connect() as conn:
        return [_attachment(row._mapping) for row in conn.execute(statement)]


def get_attachment(engine: sa.Engine, layer: LayerDefinition, fid: int, attachment_id: str) -> Attachment:
    a = attachments_table.c
    statement = sa.select(*_LISTED, a.content).where(a.layer_id == layer.id, a.fid == int(fid),
                                                     a.id == attachment_id)
    with translated(layer.id), engine.connect() as conn:
        row = conn.execute(statement).first()
    if row is None:
        raise AttachmentNotFound(f"附件不存在 / no attachment {attachment_id!r} on feature {fid}")
    return _attachment(row._mapping, bytes(row._mapping["content"]))
