"""The workflow platform tables in the GeoPackage: `onemap_history` (append-only steps, geometry as a
GeoPackage geometry blob in EPSG:4490) and `onemap_attachments` (evidence files).

Both reference `onemap_layers` with ON DELETE CASCADE (foreign keys are on for every connection),
so dropping a layer takes its history and attachments with it; a trigger refuses UPDATE on the
history. Created idempotently with the rest of the platform tables (`schema.create_core`).
May import: nothing of ours.
"""

from __future__ import annotations

DDL = (
    """CREATE TABLE IF NOT EXISTS onemap_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
        layer_id TEXT NOT NULL REFERENCES onemap_layers(id) ON DELETE CASCADE,
        fid INTEGER NOT NULL, seq INTEGER NOT NULL,
        at DATETIME NOT NULL, actor TEXT NOT NULL, actor_org TEXT, holder_org TEXT,
        region TEXT, domain TEXT, transition TEXT, from_state TEXT, to_state TEXT NOT NULL,
        comment TEXT, values_json TEXT NOT NULL DEFAULT '{}', geom BLOB,
        state_since DATETIME, deadline DATETIME, late BOOLEAN NOT NULL DEFAULT 0,
        CONSTRAINT onemap_history_step UNIQUE (layer_id, fid, seq))""",
    "CREATE INDEX IF NOT EXISTS onemap_history_at ON onemap_history (at)",
    """CREATE TRIGGER IF NOT EXISTS onemap_history_no_update BEFORE UPDATE ON onemap_history
        BEGIN SELECT RAISE(ABORT, 'onemap_history is append-only'); END""",
    """CREATE TABLE IF NOT EXISTS onemap_attachments (
        id TEXT PRIMARY KEY NOT NULL,
        layer_id TEXT NOT NULL REFERENCES onemap_layers(id) ON DELETE CASCADE,
        fid INTEGER NOT NULL, name TEXT NOT NULL, filename TEXT NOT NULL, media_type TEXT NOT NULL,
        size INTEGER NOT NULL, sha256 TEXT NOT NULL, content BLOB NOT NULL,
        uploaded_by TEXT NOT NULL, uploaded_at DATETIME NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS onemap_attachments_item ON onemap_attachments (layer_id, fid)",
)

#: gpkg_contents rows registering the tables as attribute tables (every user table is registered).
PLATFORM_TABLES = (
    {"t": "onemap_history", "i": "OneMap 办理历史 / workflow history",
     "d": "每次办理一行（只追加）：谁、何时、从何状态到何状态、意见、当时几何 / one row per workflow step, "
          "append-only: who, when, from, to, comment, geometry at that moment"},
    {"t": "onemap_attachments", "i": "OneMap 办理附件 / workflow attachments",
     "d": "办理要件文件 / evidence files of workflow items"},
)
