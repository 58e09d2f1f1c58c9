"""The audit trail table in the GeoPackage: `onemap_audit` (an append-only SM3 hash chain, written and
verified by `layers.protect`). `at` is canonical UTC text, `detail` canonical JSON text; triggers
refuse UPDATE and DELETE. Created idempotently with the rest of the platform tables
(`schema.create_core`), so existing files gain it on their next start.
May import: nothing of ours.
"""

from __future__ import annotations

DDL = (
    """CREATE TABLE IF NOT EXISTS onemap_audit (
        seq INTEGER PRIMARY KEY NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS onemap_audit_at ON onemap_audit (at)",
    """CREATE TRIGGER IF NOT EXISTS onemap_audit_no_update BEFORE UPDATE ON onemap_audit
        BEGIN SELECT RAISE(ABORT, 'onemap_audit is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS onemap_audit_no_delete BEFORE DELETE ON onemap_audit
        BEGIN SELECT RAISE(ABORT, 'onemap_audit is append-only'); END""",
)

#: The gpkg_contents row registering the table as an attribute table (every user table is registered).
PLATFORM_TABLES = (
    {"t": "onemap_audit", "i": "OneMap 审计日志 / audit trail",
     "d": "只追加的 SM3 哈希链：谁、何时、做了什么 / append-only SM3 hash chain: who did what, when"},
)
