"""A supervisor resolves what sync kept: take the field version (applied now, through the workflow) or keep
the server's; only the supervisor role may, and only once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from domains.fieldwork import open_conflicts, resolve_conflict, sync_field_gpkg
from domains.workflow.engine import STORAGE
from layers.errors import TransitionForbidden, TransitionNotAllowed
from layers.registry import LayerRegistry
from tests.fieldwork.support import (
    LAYER,
    OFFICER,
    PHOTO,
    SUPERVISOR,
    T_SYNC,
    Items,
    change_on_server,
    record_field_work,
)


def _synced(store: Any, registry: LayerRegistry, items: Items, package: Path) -> dict[str, int]:
    edits = record_field_work(package, items)
    change_on_server(store, items.contested, "涵洞堵塞（已疏通）")
    sync_field_gpkg(package, store, registry.all(), OFFICER, now=T_SYNC)
    return {label: next(c.fid for c in open_conflicts(store) if c.properties["edit_id"] == edit_id)
            for label, edit_id in edits.items() if label in ("contested", "contested_photo", "close")}


def test_open_conflicts_show_both_versions(store, registry, items: Items, package: Path) -> None:
    records = _synced(store, registry, items, package)
    listed = {c.fid: c for c in open_conflicts(store, source_layer=LAYER.id, package_id="pkg-0001")}
    assert set(listed) == set(records.values())
    contested = listed[records["contested"]]
    assert contested.server_properties is not None and contested.server_properties["name"] == "涵洞堵塞（已疏通）"
    assert contested.field_edit["transition"] == "assess"
    assert contested.as_json()["server"]["geometry"]["type"] == "Point"
    assert open_conflicts(store, source_layer="elsewhere") == []


def test_taking_the_field_version_applies_it_now_and_closes_the_record(store, registry, items: Items,
                                                                        package: Path) -> None:
    records = _synced(store, registry, items, package)
    with pytest.raises(TransitionForbidden):
        resolve_conflict(store, registry.all(), records["contested"], OFFICER, "field", now=T_SYNC)
    assert store.get(LAYER, items.contested, STORAGE).properties["workflow_state"] == "reported"

    closed = resolve_conflict(store, registry.all(), records["contested"], SUPERVISOR, "field", comment="以现场为准",
                              now=T_SYNC)
    assert closed.properties["workflow_state"] == "field_taken"
    item = store.get(LAYER, items.contested, STORAGE).properties
    assert (item["workflow_state"], item["grade"], item["name"]) == ("assessed", "general", "涵洞堵塞（已疏通）")
    step = store.history(LAYER, items.contested)[-1]
    assert (step.transition, step.actor) == ("assess", "li.si")  # the field person's step

    resolve_conflict(store, registry.all(), records["contested_photo"], SUPERVISOR, "field", now=T_SYNC)
    [photo] = store.attachments(LAYER, items.contested)
    assert store.get_attachment(LAYER, items.contested, photo.id).content == PHOTO

    with pytest.raises(TransitionNotAllowed):
        resolve_conflict(store, registry.all(), records["contested"], SUPERVISOR, "server", now=T_SYNC)
    assert {c.fid for c in open_conflicts(store)} == {records["close"]}


def test_keeping_the_server_version_changes_nothing_but_the_record(store, registry, items: Items,
                                                                   package: Path) -> None:
    records = _synced(store, registry, items, package)
    before = store.get(LAYER, items.verified, STORAGE)
    closed = resolve_conflict(store, registry.all(), records["close"], SUPERVISOR, "server", now=T_SYNC)
    assert closed.properties["workflow_state"] == "server_kept"
    assert store.get(LAYER, items.verified, STORAGE).version == before.version
