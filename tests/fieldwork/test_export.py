"""Export: a person's field package holds the open items they hold, as a GeoPackage GDAL and QGIS open."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import orjson
import pyogrio
import pytest
from shapely.geometry import box, shape

from domains.fieldwork import FieldworkError, field_items, write_field_gpkg
from domains.workflow.engine import STORAGE
from tests.conftest import missing
from tests.fieldwork.support import LAYER, OFFICER, REPORTER, T_EXPORT, Items

OGRINFO = "/usr/bin/ogrinfo"


def _rows(path: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def test_the_package_holds_the_open_items_the_person_holds_by_name_or_display_name(store, registry, items: Items,
                                                                                  tmp_path: Path) -> None:
    picked = field_items(store, registry.all(), OFFICER, now=T_EXPORT)
    path = tmp_path / "p.gpkg"
    summary = write_field_gpkg(picked, path, package_id="pkg-1", actor=OFFICER)
    assert summary == {"user": "li.si", "items": 5, "layers": [LAYER.id]}
    frame = pyogrio.read_dataframe(path, layer=LAYER.id, fid_as_index=True)
    expected = {items.reported, items.assessed, items.rectifying, items.verified, items.contested}
    assert set(frame.index) == expected  # not wang.wu's item, not the dismissed one
    for fid in expected:
        stored = store.get(LAYER, fid, STORAGE)
        row = frame.loc[fid]
        assert row["server_version"] == stored.version
        assert row["workflow_state"] == stored.properties["workflow_state"]
        assert row["name"] == stored.properties["name"]
        assert row.geometry.equals_exact(shape(stored.geometry), 1e-9)
    assert frame.loc[items.assessed, "holder"] == "李四"
    assert str(frame.loc[items.rectifying, "rectify_by"])[:10] == "2024-05-20"


def test_the_transitions_table_lists_what_the_persons_roles_allow_from_each_items_state(package: Path,
                                                                                       items: Items) -> None:
    rows = _rows(package, "SELECT fid, transition, name_zh, to_state_name_zh, attachments, comment_required "
                          "FROM transitions")
    by_item: dict[int, set[str]] = {}
    for fid, transition, *_ in rows:
        by_item.setdefault(fid, set()).add(transition)
    assert by_item[items.reported] == {"assess", "dismiss"}
    assert by_item[items.rectifying] == {"verify"}
    assert items.verified not in by_item  # closing is the lead's
    verify = next(row for row in rows if row[1] == "verify")
    assert verify[2:] == ("验收", "已验收", '["rectify_photo"]', 0)
    dismiss = next(row for row in rows if row[1] == "dismiss")
    assert dismiss[2] == "不予受理" and dismiss[5] == 1


def test_the_package_table_names_the_person_the_server_and_the_time(store, package: Path) -> None:
    [row] = _rows(package, 'SELECT package_id, "user", roles, built_at, server_instance, layers FROM package')
    assert row[0:2] == ("pkg-0001", "li.si")
    assert orjson.loads(row[2]) == ["safety_officer"]
    assert row[3].startswith("2024-05-07T01:00:00")
    assert row[4] == store.instance_id()
    assert orjson.loads(row[5]) == [LAYER.id]
    assert _rows(package, "SELECT count(*) FROM edits") == [(0,)]


def test_an_area_keeps_only_the_items_inside_it(store, registry, items: Items) -> None:
    picked = field_items(store, registry.all(), OFFICER, area=box(125.3, 43.8, 125.45, 43.95), now=T_EXPORT)
    assert {item.fid for group in picked.layers for item in group.items} == {items.reported, items.assessed}


def test_layers_the_person_may_not_handle_are_refused_by_name(store, registry, items: Items) -> None:
    with pytest.raises(FieldworkError, match="not workflow layers this person may handle"):
        field_items(store, registry.all(), OFFICER, layer_ids=["no_such_layer"])
    reporter = field_items(store, registry.all(), REPORTER, now=T_EXPORT)  # creates, holds one, may make nothing
    [group] = reporter.layers
    assert [item.fid for item in group.items] == [items.others]
    assert group.items[0].transitions == ()


def test_edits_accept_one_row_per_edit_id(package: Path, items: Items) -> None:
    sql = ("INSERT INTO edits (edit_id, layer, fid, kind, comment, recorded_at, recorded_by) "
           "VALUES ('5b0c1f7e-8a39-4e51-9d0a-2f6c3b7e9a10', ?, ?, 'note', 'x', '2024-05-07T02:00:00Z', '李四')")
    with closing(sqlite3.connect(package)) as conn, conn:
        conn.execute(sql, (LAYER.id, items.reported))
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(sql, (LAYER.id, items.reported))
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO edits (edit_id, layer, fid, kind, recorded_at, recorded_by) "
                         "VALUES ('other', 'x', 1, 'fly', '2024-05-07T02:00:00Z', 'x')")


@pytest.mark.gdal
def test_gdal_sees_every_table(package: Path) -> None:
    listed = {name: kind for name, kind in pyogrio.list_layers(package)}
    assert listed[LAYER.id] == "Point"
    assert {name for name, kind in listed.items() if kind is None} >= {"package", "transitions", "edits"}
    if shutil.which(OGRINFO) is None:
        missing(f"Debian gdal-bin not installed ({OGRINFO})")
    done = subprocess.run([OGRINFO, "-ro", "-so", str(package)], capture_output=True, text=True, check=False,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    for line in (f"{LAYER.id} (Point)", "edits (None)", "package (None)", "transitions (None)"):
        assert line in done.stdout
    detail = subprocess.run([OGRINFO, "-ro", "-so", str(package), "edits"], capture_output=True, text=True,
                            check=False, timeout=120)
    assert "attachment: Binary" in detail.stdout and "recorded_at: DateTime" in detail.stdout
