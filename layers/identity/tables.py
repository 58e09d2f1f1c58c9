"""The identity tables as SQLAlchemy Core objects, for queries on both stores.

They are created by each store's own set-up: PostGIS by the Alembic migration `0005_identity`,
a GeoPackage by `layers.identity.geopackage`. JSON columns are `jsonb` on PostgreSQL and JSON
text in the GeoPackage; times are stored in UTC (the GeoPackage keeps them as naive UTC text).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)

accounts = sa.Table(
    "onemap_accounts",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("display_name", sa.Text),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("roles", _JSON, nullable=False),
    sa.Column("organisation", sa.Text),
    sa.Column("region", sa.Text),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("token_version", sa.Integer, nullable=False),
    sa.Column("failed_logins", sa.Integer, nullable=False),
    sa.Column("locked_until", _TIME),
    sa.Column("last_login_at", _TIME),
    sa.Column("created_at", _TIME, nullable=False),
    sa.Column("updated_at", _TIME, nullable=False),
)

api_keys = sa.Table(
    "onemap_api_keys",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("owner_account", sa.Text),
    sa.Column("owner_organisation", sa.Text),
    sa.Column("roles", _JSON, nullable=False),
    sa.Column("region", sa.Text),
    sa.Column("scopes", _JSON, nullable=False),
    sa.Column("secret_hash", sa.Text, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", _TIME, nullable=False),
    sa.Column("expires_at", _TIME),
    sa.Column("revoked_at", _TIME),
    sa.Column("last_used_at", _TIME),
)
