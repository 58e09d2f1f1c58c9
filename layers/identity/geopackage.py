"""The identity tables in a GeoPackage: `onemap_accounts` and `onemap_api_keys`, created idempotently
(and registered in `gpkg_contents` as attribute tables) the first time identity is used on a file.
May import: sqlalchemy, layers.stores.geopackage.engine.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from layers.stores.geopackage.engine import writing

DDL = (
    """CREATE TABLE IF NOT EXISTS onemap_accounts (
        name TEXT PRIMARY KEY NOT NULL, display_name TEXT, password_hash TEXT NOT NULL,
        roles TEXT NOT NULL DEFAULT '[]', organisation TEXT, region TEXT,
        disabled INTEGER NOT NULL DEFAULT 0, token_version INTEGER NOT NULL DEFAULT 1,
        failed_logins INTEGER NOT NULL DEFAULT 0, locked_until DATETIME, last_login_at DATETIME,
        created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS onemap_api_keys (
        id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL,
        owner_account TEXT REFERENCES onemap_accounts (name), owner_organisation TEXT,
        roles TEXT NOT NULL DEFAULT '[]', region TEXT, scopes TEXT NOT NULL DEFAULT '[]',
        secret_hash TEXT NOT NULL, created_by TEXT NOT NULL, created_at DATETIME NOT NULL,
        expires_at DATETIME, revoked_at DATETIME, last_used_at DATETIME)""",
)

PLATFORM_TABLES = (
    {"t": "onemap_accounts", "i": "OneMap 本地账户 / local accounts",
     "d": "登录名、argon2id 口令哈希、角色、单位、行政区划 / login names, argon2id password hashes, roles, "
          "organisation, region"},
    {"t": "onemap_api_keys", "i": "OneMap API 密钥 / API keys",
     "d": "机器客户端密钥（只存 SHA-256）/ keys of machine clients (SHA-256 of the secret only)"},
)


def ensure_tables(store: Any) -> None:
    """Create the identity tables in the store's GeoPackage file if they are missing."""
    with writing(store.engine) as conn:
        for ddl in DDL:
            conn.exec_driver_sql(ddl)
        conn.execute(sa.text(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
            "VALUES (:t, 'attributes', :i, :d)"), PLATFORM_TABLES)
