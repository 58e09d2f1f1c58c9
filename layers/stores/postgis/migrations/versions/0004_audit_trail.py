"""Audit trail (`onemap_audit`): an append-only SM3 hash chain of security-relevant events.

Each row carries the hash of the row before it and its own (`layers.protect.audit_chain`). Triggers
refuse UPDATE, DELETE and TRUNCATE, so the platform's own connections can only append; whoever gets
round them (a superuser, the table owner disabling the triggers) is caught by `onemap audit verify`.
`detail` is `json`, not `jsonb`: kept verbatim, so what was hashed is what is read back.

Revision ID: 0004
Revises: 0003
Create Date: 2024-09-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "onemap_audit",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False, comment="序号 / sequence number"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, comment="时间 / when (UTC)"),
        sa.Column("actor", sa.Text, nullable=False, comment="操作人 / who"),
        sa.Column("action", sa.Text, nullable=False, comment="动作 / what (login, write, export, …)"),
        sa.Column("target", sa.Text, nullable=False, server_default="", comment="对象 / on what"),
        sa.Column("detail", sa.JSON, nullable=False, comment="详情 / details (JSON, kept verbatim)"),
        sa.Column("prev_hash", sa.Text, nullable=False,
                  comment="前一条记录的 SM3 哈希 / SM3 hash of the record before"),
        sa.Column("hash", sa.Text, nullable=False, comment="本条记录的 SM3 哈希 / SM3 hash of this record"),
        comment="审计日志（只追加，SM3 哈希链）/ audit trail, append-only SM3 hash chain",
    )
    op.create_index("onemap_audit_at", "onemap_audit", ["at"])
    op.execute("""
        CREATE OR REPLACE FUNCTION onemap_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'onemap_audit is append-only';
        END $$""")
    op.execute("""
        CREATE TRIGGER onemap_audit_no_change BEFORE UPDATE OR DELETE ON onemap_audit
        FOR EACH ROW EXECUTE FUNCTION onemap_audit_append_only()""")
    op.execute("""
        CREATE TRIGGER onemap_audit_no_truncate BEFORE TRUNCATE ON onemap_audit
        FOR EACH STATEMENT EXECUTE FUNCTION onemap_audit_append_only()""")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS onemap_audit_no_truncate ON onemap_audit")
    op.execute("DROP TRIGGER IF EXISTS onemap_audit_no_change ON onemap_audit")
    op.execute("DROP FUNCTION IF EXISTS onemap_audit_append_only()")
    op.drop_index("onemap_audit_at", table_name="onemap_audit")
    op.drop_table("onemap_audit")
