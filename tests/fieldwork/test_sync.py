"""Sync: edits to unchanged items applied through the workflow, a concurrently changed item's edits kept as
conflicts with both versions, refusals kept as rejections, and a replayed sync applying nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from shapely.geometry import Point, shape

from domains.fieldwork import journal, sync_field_gpkg
from domains.fieldwork.edits import FieldEdit
from domains.fieldwork.records import CONFLICTS_LAYER, RECEIPTS_LAYER
from domains.workflow.engine import STORAGE
from layers.query import FeatureQuery
from tests.fieldwork.support import (
    LAYER,
    OFFICER,
    PHOTO,
    T_SYNC,
    Items,
    append_edit,
    change_on_server,
    record_field_work,
)


def _records(store, layer) -> list[dict]:
    page = store.query(layer, FeatureQuery(limit=1000, crs=STORAGE, count=False))
    return orjson.loads(page.features_json)


def _ids(outcomes) -> set[str]:
    return {outcome.edit_id for outcome in outcomes}


def test_unchanged_items_get_their_edits_and_a_concurrently_changed_one_keeps_both_versions(
        store, registry, items: Items, package: Path) -> None:
    edits = record_field_work(package, items)
    server_version = change_on_server(store, items.contested, "涵洞堵塞（已疏通）")  # while li.si is offline
    report = sync_field_gpkg(package, store, registry.all(), OFFICER, now=T_SYNC)

    assert _ids(report.applied) == {edits[k] for k in ("note", "assess", "move", "photo", "verify")}
    assert _ids(report.conflicts) == {edits["contested"], edits["contested_photo"]}
    assert _ids(report.rejected) == {edits["close"]}
    assert report.skipped == []

    assessed = store.get(LAYER, items.reported, STORAGE).properties
    assert (assessed["workflow_state"], assessed["grade"], assessed["holder"]) == ("assessed", "major", "li.si")
    step = store.history(LAYER, items.reported)[-1]
    assert (step.transition, step.actor, step.comment, step.at) == ("assess", "li.si", "现场评估为重大", T_SYNC)

    moved = store.get(LAYER, items.assessed, STORAGE)
    assert shape(moved.geometry).equals_exact(Point(125.4321, 43.9012), 1e-9)
    assert (moved.properties["workflow_state"], moved.properties["holder"]) == ("assessed", "李四")

    [photo] = [a for a in store.attachments(LAYER, items.rectifying)]
    assert (photo.name, photo.filename, photo.media_type) == ("rectify_photo", "整改后.jpg", "image/jpeg")
    assert store.get_attachment(LAYER, items.rectifying, photo.id).content == PHOTO
    verify = store.history(LAYER, items.rectifying)[-1]
    assert (verify.transition, verify.to_state) == ("verify", "verified")
    assert verify.values["_attachments"] == [photo.id]  # the evidence the step cites

    contested = store.get(LAYER, items.contested, STORAGE)
    assert contested.version == server_version  # untouched by the field edits
    assert (contested.properties["workflow_state"], contested.properties["name"]) == ("reported", "涵洞堵塞（已疏通）")
    assert store.attachments(LAYER, items.contested) == []
    assert store.get(LAYER, items.verified, STORAGE).properties["workflow_state"] == "verified"

    records = {r["properties"]["edit_id"]: r for r in _records(store, CONFLICTS_LAYER)}
    conflict = records[edits["contested"]]["properties"]
    assert (conflict["cause"], conflict["workflow_state"], conflict["source_fid"]) == (
        "conflict", "pending", items.contested)
    assert orjson.loads(conflict["server_properties"])["name"] == "涵洞堵塞（已疏通）"
    assert conflict["server_version"] == server_version and conflict["exported_version"] < server_version
    field = orjson.loads(conflict["field_edit"])
    assert (field["transition"], field["values"]) == ("assess", {"grade": "general"})
    assert orjson.loads(conflict["server_geometry"])["type"] == "Point"
    photo_record = records[edits["contested_photo"]]
    [kept] = store.attachments(CONFLICTS_LAYER, photo_record["id"])
    assert store.get_attachment(CONFLICTS_LAYER, photo_record["id"], kept.id).content == PHOTO
    rejected = records[edits["close"]]["properties"]
    assert rejected["cause"] == "rejected" and "safety_lead" in rejected["reason"]

    receipts = {r["properties"]["edit_id"]: r["properties"] for r in _records(store, RECEIPTS_LAYER)}
    assert set(receipts) == _ids(report.applied)
    assert receipts[edits["note"]]["note"] == "落石已清理一半"  # a note is kept as its receipt


def test_syncing_the_same_package_again_applies_nothing_twice_but_new_edits_go_on(
        store, registry, items: Items, package: Path) -> None:
    edits = record_field_work(package, items)
    change_on_server(store, items.contested, "涵洞堵塞（已疏通）")
    first = sync_field_gpkg(package, store, registry.all(), OFFICER, now=T_SYNC)
    versions = store.layer_versions()
    history = len(store.history(LAYER, items.reported))

    again = sync_field_gpkg(package, store, registry.all(), OFFICER, now=T_SYNC)
    assert (again.applied, again.conflicts, again.rejected) == ([], [], [])
    assert _ids(again.skipped) == set(edits.values())
    assert store.layer_versions() == versions  # not one write, in any layer
    assert len(store.history(LAYER, items.reported)) == history

    # li.si carries on with the same package: the item his own sync moved on is not "changed on the server"
    later = append_edit(package, LAYER.id, items.reported, "transition", transition="assign",
                        values={"rectify_by": "2024-05-30", "responsible_unit": "长春公路管理处"})
    third = sync_field_gpkg(package, store, registry.all(), OFFICER, now=T_SYNC)
    assert _ids(third.applied) == {later}
    assert len(third.skipped) == len(first.applied) + len(first.conflicts) + len(first.rejected)
    assert store.get(LAYER, items.reported, STORAGE).properties["workflow_state"] == "rectifying"


def test_a_sync_stopped_between_a_step_and_its_receipt_is_completed_without_a_second_step(
        store, registry, items: Items, package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assess = append_edit(package, LAYER.id, items.reported, "transition", transition="assess",
                         values={"grade": "major"})
    photo = append_edit(package, LAYER.id, items.rectifying, "attachment", attachment_name="rectify_photo",
                        attachment=PHOTO)
    real = journal.write_receipt

    monkeypatch.setattr(journal, "write_receipt", _fail_on(real, assess))
    with pytest.raises(RuntimeError):
        sync_field_gpkg(package, store, registry.all(), OFFICER, now=T_SYNC)
    assert store.get(LAYER, items.reported, STORAGE).properties["workflow_state"] == "assessed"  # applied, no receipt
    monkeypatch.setattr(journal, "write_receipt", _fail_on(real, photo))  # next time, the photo's receipt fails
    with pytest.raises(RuntimeError):
        sync_field_gpkg(package, store, registry.all(), OFFICER, now=T_SYNC)
    assert len(store.attachments(LAYER, items.rectifying)) == 1
    monkeypatch.setattr(journal, "write_receipt", real)

    report = sync_field_gpkg(package, store, registry.all(), OFFICER, now=T_SYNC)
    assert _ids(report.applied) == {photo} and _ids(report.skipped) == {assess}
    assert report.conflicts == [] and report.rejected == []
    assert [s.transition for s in store.history(LAYER, items.reported)].count("assess") == 1
    assert len(store.attachments(LAYER, items.rectifying)) == 1


def _fail_on(real: Callable[..., int], edit_id: str) -> Callable[..., int]:
    """`write_receipt` failing for one edit only."""

    def write(store: Any, edit: FieldEdit, *args: Any, **kwargs: Any) -> int:
        if edit.edit_id == edit_id:
            raise RuntimeError("power cut")
        return real(store, edit, *args, **kwargs)

    return write


def test_edits_of_an_item_deleted_on_the_server_are_kept_as_conflicts(store, registry, items: Items,
                                                                       package: Path) -> None:
    edit = append_edit(package, LAYER.id, items.contested, "move", lon=125.71, lat=43.89)
    store.delete(LAYER, items.contested)
    report = sync_field_gpkg(package, store, registry.all(), OFFICER, now=T_SYNC)
    [outcome] = report.conflicts
    assert outcome.edit_id == edit and "deleted" in (outcome.reason or "")
    [record] = _records(store, CONFLICTS_LAYER)
    assert record["properties"]["server_properties"] is None
    assert shape(record["geometry"]).equals_exact(Point(125.70, 43.88), 1e-6)  # where the item was
