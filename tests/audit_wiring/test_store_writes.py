"""Every store write appends exactly one audit record in its own transaction, on both stores: who, what,
which features, the data version; a write that fails leaves none; registrations, permission changes,
drops, workflow steps, sweeps, attachments and partition swaps are recorded too; and concurrent
writers of several layers all get their record in one intact chain."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from shapely.geometry import Point

from domains.workflow import TransitionRequest, create_item, perform
from layers.errors import FeatureNotFound, InvalidFeature, StateConflict, VersionConflict
from layers.protect.audit_context import acting_as
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord, PartitionChange
from layers.stores.history import Attachment, GuardedTransition, HistoryRow
from tests.audit_wiring.support import POINTS, Trail, point
from tests.workflow.support import HAZARDS, OFFICER, REPORTER, T0, hazard

OTHER = POINTS.model_copy(update={"id": "aw_other", "catalogue_code": "JL-JT-TEST-0802"})


@pytest.fixture
def store(store_url: str) -> Iterator[Any]:
    store = open_store(store_url)
    LayerRegistry(store).register_many([POINTS, OTHER, HAZARDS])
    yield store
    store.close()


def test_each_feature_write_is_one_record_with_actor_fids_and_data_version(store: Any) -> None:
    trail = Trail(store)
    with acting_as("zhang.san", "users_file", "10.1.2.3", "req-42"):
        fids = store.insert(POINTS, [point(i) for i in range(3)])
        inserted = trail.one()
        store.replace(POINTS, fids[0], point(9, lanes=2), expected_version=1)
        replaced = trail.one()
        store.delete(POINTS, fids[1])
        deleted = trail.one()
        assert store.delete_where_fids(POINTS, [fids[2], 999_999]) == 1
        swept = trail.one()
    assert (inserted.actor, inserted.action, inserted.target) == ("zhang.san", "write", "layer:aw_points")
    assert inserted.detail["operation"] == "insert"
    assert inserted.detail["fids"] == fids and inserted.detail["count"] == 3
    assert inserted.detail["via"] == {"method": "users_file", "address": "10.1.2.3", "request_id": "req-42"}
    assert replaced.detail["operation"] == "replace" and replaced.detail["fids"] == [fids[0]]
    assert replaced.detail["expected_version"] == 1
    assert deleted.detail["operation"] == "delete" and deleted.detail["fids"] == [fids[1]]
    assert swept.detail["operation"] == "delete_where_fids" and swept.detail["deleted"] == 1
    versions = [r.detail["data_version"] for r in (inserted, replaced, deleted, swept)]
    assert versions == sorted(versions) and len(set(versions)) == 4
    assert versions[-1] == store.layer_state(POINTS).data_version
    assert trail.intact()


def test_without_an_actor_the_platform_itself_is_recorded(store: Any) -> None:
    trail = Trail(store)
    store.insert(POINTS, [point()])
    record = trail.one()
    assert record.actor == "system" and record.detail["via"] == {"method": "system"}


def test_a_large_write_lists_the_first_hundred_fids_and_counts_all(store: Any) -> None:
    trail = Trail(store)
    fids = store.insert(POINTS, [point(i % 50) for i in range(150)])
    detail = trail.one().detail
    assert detail["fids"] == fids[:100] and detail["count"] == 150 and detail["fids_truncated"] is True


def test_a_write_that_fails_leaves_no_record(store: Any) -> None:
    [fid] = store.insert(POINTS, [point()])
    trail = Trail(store)
    with pytest.raises(VersionConflict):
        store.replace(POINTS, fid, point(1), expected_version=7)
    with pytest.raises(FeatureNotFound):
        store.delete(POINTS, 424_242)
    with pytest.raises(InvalidFeature):  # a duplicate fid: the whole insert rolls back
        store.insert(POINTS, [point(2), FeatureRecord(Point(125.3, 43.8), {"name": "重复"}, fid=fid)])
    assert store.insert(POINTS, []) == []  # nothing written, nothing recorded
    assert trail.new() == []
    assert store.layer_state(POINTS).feature_count == 1
    assert trail.intact()


def test_registration_permission_change_and_drop(store: Any) -> None:
    trail = Trail(store)
    registry = LayerRegistry(store)
    registry.register(POINTS, replace=True)  # unchanged: not a change, not recorded
    assert trail.new() == []
    renamed = POINTS.model_copy(update={"title_zh": "审计测试点（改名）"})
    registry.register(renamed, replace=True)
    record = trail.one()
    assert (record.action, record.detail["operation"]) == ("layer_register", "replace")
    opened = renamed.model_copy(update={"read_roles": ("inspector",), "write_roles": ("inspector", "admin")})
    registry.register(opened, replace=True)
    change = trail.one()
    assert change.action == "permission_change" and change.target == "layer:aw_points"
    assert change.detail["before"]["read_roles"] == ["public"]
    assert change.detail["after"]["read_roles"] == ["inspector"]
    assert change.detail["after"]["write_roles"] == ["inspector", "admin"]
    fresh = POINTS.model_copy(update={"id": "aw_fresh", "catalogue_code": "JL-JT-TEST-0803"})
    registry.register(fresh)
    created = trail.one()
    assert (created.action, created.target, created.detail["operation"]) == ("layer_register", "layer:aw_fresh",
                                                                             "create")
    assert created.detail["permissions"]["write_roles"] == ["safety_officer"]
    registry.drop("aw_fresh")
    assert (trail.one().action) == "layer_drop"
    assert trail.intact()


def test_workflow_writes_are_recorded_as_what_they_are(store: Any) -> None:
    trail = Trail(store)
    with acting_as(REPORTER.name, "users_file"):
        fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    created = trail.one()
    assert (created.actor, created.detail["operation"], created.detail["fids"]) == (
        "wang.wu", "insert_with_history", [fid])
    with acting_as(OFFICER.name, "users_file"):
        perform(store, HAZARDS, fid, TransitionRequest("assess", values={"grade": "major"}), OFFICER, now=T0)
    step = trail.one()
    assert (step.actor, step.action) == ("li.si", "transition")
    assert {k: step.detail[k] for k in ("transition", "from_state", "to_state", "fids")} == {
        "transition": "assess", "from_state": "reported", "to_state": "assessed", "fids": [fid]}
    stale = GuardedTransition(fid, "reported", 1, {}, HistoryRow(HAZARDS.id, fid, 0, T0, "x", "dismissed"))
    with pytest.raises(StateConflict):  # rolled back: no record
        store.transition(HAZARDS, stale)
    assert trail.new() == []
    store.put_attachment(HAZARDS, Attachment("att-1", HAZARDS.id, fid, "rectify_photo", "现场.jpg", "image/jpeg",
                                             3, "ab" * 32, "li.si", T0, b"jpg"))
    attached = trail.one()
    assert attached.action == "attachment" and attached.detail["attachment_id"] == "att-1"
    assert attached.detail["filename"] == "现场.jpg" and "content" not in attached.detail
    sweep = store.sweep_overdue(HAZARDS, T0 + timedelta(days=30))
    assert sweep.became_overdue == 1
    swept = trail.one()
    assert swept.detail["operation"] == "sweep_overdue" and swept.detail["became_overdue"] == 1
    assert store.sweep_overdue(HAZARDS, T0 + timedelta(days=30)).changed == 0
    assert trail.new() == []
    assert trail.intact()


def test_a_partition_swap_across_layers_is_one_record(store: Any) -> None:
    store.insert(POINTS, [point(1, lanes=1), point(2, lanes=2)])
    trail = Trail(store)
    new = store.replace_partitions([PartitionChange(POINTS, "lanes", 1, [point(3, lanes=1), point(4, lanes=1)]),
                                    PartitionChange(OTHER, "lanes", 5, [point(5, lanes=5)])])
    record = trail.one()
    assert record.target == "layers:aw_other,aw_points"
    assert record.detail["operation"] == "replace_partitions"
    assert record.detail["fids"] == [*new[0], *new[1]] and record.detail["count"] == 3
    assert record.detail["layers"]["aw_points"]["deleted"] == 1
    assert record.detail["layers"]["aw_other"]["data_version"] == store.layer_state(OTHER).data_version
    assert [p["value"] for p in record.detail["partitions"]] == [1, 5]


def test_concurrent_writers_of_several_layers_each_get_their_record(store: Any, store_url: str) -> None:
    writers = 6
    stores = [open_store(store_url) for _ in range(writers)]
    barrier = threading.Barrier(writers)
    trail = Trail(store)

    def write(index: int) -> int:
        layer = POINTS if index % 2 else OTHER
        barrier.wait()
        with acting_as(f"writer{index}"):
            for round_ in range(3):
                [fid] = stores[index].insert(layer, [point(index + round_)])
                stores[index].replace(layer, fid, point(index, lanes=round_))
        return index

    try:
        with ThreadPoolExecutor(writers) as pool:
            assert sorted(pool.map(write, range(writers))) == list(range(writers))
    finally:
        for opened in stores:
            opened.close()
    records = trail.new()
    assert len(records) == writers * 6
    for index in range(writers):
        mine = [r.detail["operation"] for r in records if r.actor == f"writer{index}"]
        assert mine == ["insert", "replace"] * 3
    assert trail.intact()
