"""Identity: local accounts (`onemap_accounts`) and API keys for machine clients (`onemap_api_keys`).

Accounts keep an argon2id password hash (never the password), roles as a JSON array, the lock-out
state (`failed_logins`, `locked_until`) and a `token_version` that platform tokens carry, so a
password or role change ends the sessions already handed out. Keys keep only the SHA-256 of their
secret. Queries go through `layers.identity.tables`.

Revision ID: 0005
Revises: 0004
Create Date: 2024-09-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "onemap_accounts",
        sa.Column("name", sa.Text, primary_key=True, comment="登录名 / login name"),
        sa.Column("display_name", sa.Text, comment="姓名 / display name"),
        sa.Column("password_hash", sa.Text, nullable=False, comment="argon2id 口令哈希 / argon2id password hash"),
        sa.Column("roles", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb"), comment="角色 / roles"),
        sa.Column("organisation", sa.Text, comment="单位 / organisation"),
        sa.Column("region", sa.Text, comment="行政区划代码 / region (GB/T 2260)"),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false(), comment="停用 / disabled"),
        sa.Column("token_version", sa.Integer, nullable=False, server_default="1",
                  comment="令牌版本：改密码、改角色、停用时增加 / moves when sessions must end"),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0",
                  comment="连续登录失败次数 / consecutive failed logins"),
        sa.Column("locked_until", _TIME, comment="锁定至 / locked until"),
        sa.Column("last_login_at", _TIME, comment="最近登录 / last login"),
        sa.Column("created_at", _TIME, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", _TIME, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("region IS NULL OR region ~ '^[0-9]{6}$'", name="onemap_accounts_region"),
        comment="本地账户 / local accounts",
    )
    op.create_table(
        "onemap_api_keys",
        sa.Column("id", sa.Text, primary_key=True, comment="密钥编号 / key id"),
        sa.Column("name", sa.Text, nullable=False, comment="名称 / label"),
        sa.Column("owner_account", sa.Text, sa.ForeignKey("onemap_accounts.name", onupdate="CASCADE"),
                  comment="所属账户 / owning account"),
        sa.Column("owner_organisation", sa.Text, comment="所属单位 / owning organisation"),
        sa.Column("roles", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb"), comment="角色 / roles"),
        sa.Column("region", sa.Text, comment="行政区划代码 / region"),
        sa.Column("scopes", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb"),
                  comment="权限范围 layer:read|write / scopes"),
        sa.Column("secret_hash", sa.Text, nullable=False, comment="密钥的 SHA-256 / SHA-256 of the secret"),
        sa.Column("created_by", sa.Text, nullable=False, comment="签发人 / issued by"),
        sa.Column("created_at", _TIME, nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", _TIME, comment="到期 / expires"),
        sa.Column("revoked_at", _TIME, comment="吊销 / revoked"),
        sa.Column("last_used_at", _TIME, comment="最近使用 / last used"),
        comment="API 密钥 / API keys of machine clients",
    )


def downgrade() -> None:
    op.drop_table("onemap_api_keys")
    op.drop_table("onemap_accounts")
