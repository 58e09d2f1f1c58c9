"""Bad input on sync: a clear FieldworkError and not one write on the server (no layer's data version
moves, no layer is registered)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from domains.fieldwork import FieldworkError, sync_field_gpkg
from domains.workflow import Actor
from domains.workflow.engine import STORAGE
from layers.registry import LayerRegistry
from tests.fieldwork.support import LAYER, LEAD, OFFICER, T_SYNC, Items, append_edit, record_field_work


def _untouched(store: Any, registry: LayerRegistry, package: Path, match: str, actor: Actor = OFFICER) -> None:
    versions, revision = store.layer_versions(), store.registry_revision()
    with pytest.raises(FieldworkError, match=match):
        sync_field_gpkg(package, store, registry.all(), actor, now=T_SYNC)
    assert store.layer_versions() == versions
    assert store.registry_revision() == revision


def _sql(path: Path, statement: str) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(statement)


def test_a_truncated_package_is_refused(store, registry, items: Items, package: Path) -> None:
    record_field_work(package, items)
    data = package.read_bytes()
    package.write_bytes(data[: len(data) // 2])
    _untouched(store, registry, package, "truncated")
    package.write_bytes(data[: len(data) - 100])  # not even whole pages
    _untouched(store, registry, package, "truncated")
    assert store.get(LAYER, items.reported, STORAGE).properties["workflow_state"] == "reported"


def test_a_file_that_is_not_a_geopackage_is_refused(store, registry, items: Items, tmp_path: Path) -> None:
    text = tmp_path / "notes.gpkg"
    text.write_text("这不是离线包 / not a package\n" * 50, encoding="utf-8")
    _untouched(store, registry, text, "not a GeoPackage")
    plain = tmp_path / "plain.sqlite"
    with closing(sqlite3.connect(plain)) as conn, conn:
        conn.execute("CREATE TABLE edits (id INTEGER PRIMARY KEY)")
    _untouched(store, registry, plain, "not a GeoPackage")


def test_a_corrupted_page_is_refused(store, registry, items: Items, package: Path) -> None:
    record_field_work(package, items)
    data = bytearray(package.read_bytes())
    data[100:164] = b"\xa5" * 64  # scribble over the schema's b-tree page header
    package.write_bytes(bytes(data))
    _untouched(store, registry, package, "corrupted")


@pytest.mark.parametrize(("damage", "match"), [
    (lambda p: _sql(p, "DROP TABLE edits"), "lacks tables: edits"),
    (lambda p: _sql(p, "DELETE FROM package"), "exactly one row"),
    (lambda p: _sql(p, "UPDATE package SET server_instance = 'elsewhere'"), "another server"),
    (lambda p: append_edit(p, LAYER.id, 999_999, "note", comment="?"), "no item fw_hazards/999999"),
    (lambda p: append_edit(p, LAYER.id, 1, "transition", edit_id="not-a-uuid", transition="assess"),
     "edit_id must be a UUID"),
    (lambda p: append_edit(p, LAYER.id, 1, "move", lon=500.0, lat=43.0), "valid lon and lat"),
    (lambda p: append_edit(p, LAYER.id, 1, "attachment", attachment=None), "needs the file"),
    (lambda p: append_edit(p, LAYER.id, 1, "note", values_json="[1, 2]", comment="x"), "JSON object"),
])
def test_bad_tables_and_rows_are_refused_before_anything_is_applied(
        store, registry, items: Items, package: Path, damage: Callable[[Path], object], match: str) -> None:
    good = record_field_work(package, items)  # good edits come first: none of them may be applied
    assert good
    damage(package)
    _untouched(store, registry, package, match)
    assert store.get(LAYER, items.reported, STORAGE).properties["workflow_state"] == "reported"


def test_only_the_packages_person_may_sync_it(store, registry, items: Items, package: Path) -> None:
    record_field_work(package, items)
    _untouched(store, registry, package, "belongs to 'li.si'", actor=LEAD)
