"""The layout of a field package's GeoPackage: table names, the format version and the tables that
are not item layers (`package`, `transitions`, `edits`), as the writer creates them and the reader
expects them. `docs/fieldwork.md` describes the same layout for field-app makers.

Item layers are one GeoPackage feature table per workflow layer, named like the layer, with the
layer's fields, `fid` (the server item's id, the table's primary key) and `server_version`.
"""

from __future__ import annotations

import re

#: Raised when the layout changes in a way an older reader could not follow.
FORMAT_VERSION = 1

PACKAGE_TABLE = "package"
TRANSITIONS_TABLE = "transitions"
EDITS_TABLE = "edits"
PLATFORM_TABLES = (PACKAGE_TABLE, TRANSITIONS_TABLE, EDITS_TABLE)

#: Columns every item table carries besides the layer's own fields.
FID_COLUMN = "fid"
VERSION_COLUMN = "server_version"

EDIT_KINDS = ("transition", "note", "move", "attachment")
#: What an attachment may serve as (the API's rule for evidence names), and its default.
EVIDENCE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
DEFAULT_EVIDENCE = "photo"
#: The API's limit for one attachment.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

#: Columns of the package table, as the reader needs them.
PACKAGE_COLUMNS = ("package_id", "format_version", "user", "display_name", "organisation", "roles", "built_at",
                   "server_instance", "layers")

#: The edits table: the only table a field app writes. `edit_id` is a UUID the app makes; the
#: UNIQUE constraint keeps one row per edit even if the app retries an append.
EDITS_DDL = f"""CREATE TABLE {EDITS_TABLE} (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    edit_id TEXT NOT NULL UNIQUE,
    layer TEXT NOT NULL,
    fid INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ({", ".join(f"'{kind}'" for kind in EDIT_KINDS)})),
    transition TEXT,
    comment TEXT,
    values_json TEXT,
    lon DOUBLE,
    lat DOUBLE,
    attachment_name TEXT,
    attachment_filename TEXT,
    attachment_media_type TEXT,
    attachment BLOB,
    recorded_at DATETIME NOT NULL,
    recorded_by TEXT NOT NULL
)"""
EDIT_COLUMNS = ("id", "edit_id", "layer", "fid", "kind", "transition", "comment", "values_json", "lon", "lat",
                "attachment_name", "attachment_filename", "attachment_media_type", "attachment", "recorded_at",
                "recorded_by")

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
