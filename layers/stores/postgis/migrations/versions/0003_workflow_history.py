"""Workflow history (`onemap_history`, append-only) and evidence files (`onemap_attachments`).

Both reference their layer in `onemap_layers` with ON DELETE CASCADE: dropping a layer takes its
history and attachments with it (a layer registered again under the same id starts its fids
afresh). A trigger refuses UPDATE on the history: steps are only ever appended.

Revision ID: 0003
Revises: 0002
Create Date: 2024-08-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "onemap_history",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("layer_id", sa.Text, sa.ForeignKey("onemap_layers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("fid", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, comment="办理时间 / when"),
        sa.Column("actor", sa.Text, nullable=False, comment="办理人 / who"),
        sa.Column("actor_org", sa.Text, comment="办理人单位 / the actor's organisation"),
        sa.Column("holder_org", sa.Text, comment="离开状态的承办单位 / organisation that held the state left"),
        sa.Column("region", sa.Text, comment="行政区划代码 / the item's adcode"),
        sa.Column("domain", sa.Text, comment="业务域 / domain"),
        sa.Column("transition", sa.Text, comment="操作 / transition id (NULL: creation)"),
        sa.Column("from_state", sa.Text, comment="原状态 / state left"),
        sa.Column("to_state", sa.Text, nullable=False, comment="新状态 / state entered"),
        sa.Column("comment", sa.Text, comment="意见 / comment"),
        sa.Column("values_json", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb"),
                  comment="随操作提交的字段与附件 / fields and attachment ids given"),
        sa.Column("geom", Geometry("GEOMETRY", srid=4490, spatial_index=False),
                  comment="当时的几何 / geometry at that moment (EPSG:4490)"),
        sa.Column("state_since", sa.DateTime(timezone=True), comment="进入原状态时间 / entered the state left"),
        sa.Column("deadline", sa.DateTime(timezone=True), comment="原状态时限 / deadline of the state left"),
        sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false(), comment="是否超期离开 / left late"),
        sa.UniqueConstraint("layer_id", "fid", "seq", name="onemap_history_step"),
        comment="办理历史（只追加）/ workflow history, append-only",
    )
    op.create_index("onemap_history_at", "onemap_history", ["at"])
    op.execute("""
        CREATE OR REPLACE FUNCTION onemap_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'onemap_history is append-only';
        END $$""")
    op.execute("""
        CREATE TRIGGER onemap_history_no_update BEFORE UPDATE ON onemap_history
        FOR EACH ROW EXECUTE FUNCTION onemap_history_append_only()""")
    op.create_table(
        "onemap_attachments",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("layer_id", sa.Text, sa.ForeignKey("onemap_layers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("fid", sa.BigInteger, nullable=False),
        sa.Column("name", sa.Text, nullable=False, comment="要件名称 / evidence name"),
        sa.Column("filename", sa.Text, nullable=False, comment="文件名 / file name"),
        sa.Column("media_type", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_by", sa.Text, nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        comment="办理附件 / workflow evidence files",
    )
    op.create_index("onemap_attachments_item", "onemap_attachments", ["layer_id", "fid"])


def downgrade() -> None:
    op.drop_index("onemap_attachments_item", table_name="onemap_attachments")
    op.drop_table("onemap_attachments")
    op.execute("DROP TRIGGER IF EXISTS onemap_history_no_update ON onemap_history")
    op.execute("DROP FUNCTION IF EXISTS onemap_history_append_only()")
    op.drop_index("onemap_history_at", table_name="onemap_history")
    op.drop_table("onemap_history")
