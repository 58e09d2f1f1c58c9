"""Field work of offline packages (issue 7): the items assigned to a person go out as an editable
GeoPackage; what they record offline comes back and is applied once, or kept as a conflict.

- `extract.field_items` picks the open workflow items a person holds; `writer.write_field_gpkg`
  writes them with the `transitions` they may make and an empty `edits` table (layout: `layout`,
  docs/fieldwork.md);
- `sync.sync_field_gpkg` checks a returned package whole (`reader`), then applies each edit through
  the workflow (`apply`) or files it as a conflict/rejection (`journal`), never twice;
- `records` declares the two layers the outcomes are kept in (`field_conflicts`, a small workflow a
  supervisor resolves with `resolve`; `field_receipts`), registered on first sync in either store.

May import: `layers`, `domains.workflow`, `domains.framework` (never `gis_server`, never `tiles`).
Not a business domain (exports no `DOMAIN`): discovery passes it by.
"""

from domains.fieldwork.errors import FieldworkError
from domains.fieldwork.extract import FieldItems, field_items
from domains.fieldwork.reader import read_package
from domains.fieldwork.resolve import open_conflicts, resolve_conflict
from domains.fieldwork.sync import SyncReport, sync_field_gpkg
from domains.fieldwork.writer import write_field_gpkg

__all__ = ["FieldItems", "FieldworkError", "SyncReport", "field_items", "open_conflicts", "read_package",
           "resolve_conflict", "sync_field_gpkg", "write_field_gpkg"]
