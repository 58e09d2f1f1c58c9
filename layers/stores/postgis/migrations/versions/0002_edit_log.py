"""Edit log (`onemap_edits`) for tile-cache invalidation, and a NOTIFY on every data-version change.

Every write appends the boxes of what it changed to `onemap_edits` in its own transaction; the
trigger on `onemap_layers` sends `NOTIFY onemap_data, '<layer id>'` whenever a layer's data
version moves or a layer is registered or dropped, so other processes learn of a write when it
commits without polling.

Revision ID: 0002
Revises: 0001
Create Date: 2024-07-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "onemap_edits",
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("layer_id", sa.Text, nullable=False),
        sa.Column("data_version", sa.BigInteger, nullable=False),
        sa.Column("minx", sa.Float(53)),
        sa.Column("miny", sa.Float(53)),
        sa.Column("maxx", sa.Float(53)),
        sa.Column("maxy", sa.Float(53)),
        comment="编辑日志：每次写入改动的范围（EPSG:4490）/ edit log: boxes changed by each write (EPSG:4490); "
                "a row without a box means the whole layer",
    )
    op.create_index("onemap_edits_layer_version", "onemap_edits", ["layer_id", "data_version"])
    op.execute("""
        CREATE OR REPLACE FUNCTION onemap_notify_data() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('onemap_data', coalesce(NEW.id, OLD.id));
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER onemap_layers_notify
        AFTER INSERT OR DELETE OR UPDATE OF data_version ON onemap_layers
        FOR EACH ROW EXECUTE FUNCTION onemap_notify_data()""")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS onemap_layers_notify ON onemap_layers")
    op.execute("DROP FUNCTION IF EXISTS onemap_notify_data()")
    op.drop_index("onemap_edits_layer_version", table_name="onemap_edits")
    op.drop_table("onemap_edits")
