"""Platform tables: the layer registry (`onemap_layers`) and platform counters (`onemap_meta`).

Revision ID: 0001
Revises:
Create Date: 2024-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "onemap_layers",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("definition", JSONB, nullable=False),
        sa.Column("data_version", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        comment="图层注册表 / registered layer definitions",
    )
    meta = op.create_table(
        "onemap_meta",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
        comment="平台计数器 / platform counters",
    )
    op.bulk_insert(meta, [{"key": "registry_revision", "value": 0}])


def downgrade() -> None:
    op.drop_table("onemap_meta")
    op.drop_table("onemap_layers")
