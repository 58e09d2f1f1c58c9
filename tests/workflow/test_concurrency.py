"""Two writers, one item: exactly one transition wins; and a transition is all or nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from shapely.geometry import Point

from domains.workflow import TransitionRequest, create_item, perform
from domains.workflow.engine import STORAGE
from layers.errors import InvalidFeature, StateConflict, TransitionNotAllowed
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from layers.stores.history import GuardedTransition, HistoryRow
from tests.workflow.support import HAZARDS, OFFICER, REPORTER, T0, hazard

RACERS = 8


def test_racing_transitions_on_one_item_have_exactly_one_winner(store, store_url: str) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    version = store.layer_state(HAZARDS).data_version
    stores = [open_store(store_url) for _ in range(RACERS)]  # as if from eight worker processes
    barrier = threading.Barrier(RACERS)

    def race(index: int) -> str:
        barrier.wait()
        try:
            perform(stores[index], HAZARDS, fid, TransitionRequest("assess", values={"grade": "major"}), OFFICER,
                    now=T0)
        except (StateConflict, TransitionNotAllowed) as exc:
            assert exc.extensions["current_state"] == "assessed"
            return "409"
        return "ok"

    try:
        with ThreadPoolExecutor(RACERS) as pool:
            outcomes = list(pool.map(race, range(RACERS)))
    finally:
        for opened in stores:
            opened.close()
    assert sorted(outcomes) == ["409"] * (RACERS - 1) + ["ok"]
    steps = store.history(HAZARDS, fid)
    assert [(s.from_state, s.to_state) for s in steps] == [(None, "reported"), ("reported", "assessed")]
    assert store.get(HAZARDS, fid, STORAGE).version == 2
    assert store.layer_state(HAZARDS).data_version == version + 1


def test_guarded_writes_from_the_same_read_have_one_winner(store, store_url: str) -> None:
    """Every racer read the item before any wrote (the engine's checks all passed): the store's
    conditional update alone decides."""
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    read = store.get(HAZARDS, fid, STORAGE)
    stores = [open_store(store_url) for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS)

    def race(index: int) -> str:
        step = HistoryRow(layer_id=HAZARDS.id, fid=fid, seq=0, at=T0, actor=f"officer{index}", to_state="assessed",
                          from_state="reported", transition="assess")
        change = GuardedTransition(fid=fid, expected_state="reported", expected_version=read.version,
                                   properties={"workflow_state": "assessed", "holder": f"officer{index}"},
                                   history=step)
        barrier.wait()
        try:
            stores[index].transition(HAZARDS, change)
        except StateConflict as exc:
            assert exc.extensions == {"current_state": "assessed", "current_version": read.version + 1}
            return "409"
        return f"officer{index}"

    try:
        with ThreadPoolExecutor(RACERS) as pool:
            outcomes = list(pool.map(race, range(RACERS)))
    finally:
        for opened in stores:
            opened.close()
    [winner] = [outcome for outcome in outcomes if outcome != "409"]
    assert outcomes.count("409") == RACERS - 1
    assert store.get(HAZARDS, fid, STORAGE).properties["holder"] == winner
    assert [s.actor for s in store.history(HAZARDS, fid)] == [REPORTER.name, winner]


def _fail(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("the history write failed")


def test_a_failed_history_write_leaves_the_state_unchanged(store, store_url: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    before = store.get(HAZARDS, fid, STORAGE)
    data_version = store.layer_state(HAZARDS).data_version
    if store.kind == "postgis":
        monkeypatch.setattr("layers.stores.postgis.workflow._append", _fail)
    else:
        monkeypatch.setattr("layers.stores.geopackage.workflow.history_params", _fail)
    with pytest.raises(RuntimeError):
        perform(store, HAZARDS, fid, TransitionRequest("assess", values={"grade": "major"}), OFFICER, now=T0)
    monkeypatch.undo()
    after = store.get(HAZARDS, fid, STORAGE)
    assert after.version == before.version
    assert after.properties == before.properties
    assert len(store.history(HAZARDS, fid)) == 1
    assert store.layer_state(HAZARDS).data_version == data_version


def test_items_and_histories_go_in_together_or_not_at_all(store) -> None:
    record = FeatureRecord(Point(125.3, 43.9), {"workflow_state": "reported", "name": "x"})
    step = HistoryRow(layer_id=HAZARDS.id, fid=0, seq=1, at=T0, actor="a", to_state="reported")
    with pytest.raises(InvalidFeature):  # two steps numbered 1: the history's uniqueness refuses the batch
        store.insert_with_history(HAZARDS, [(record, [step]), (record, [step, step])])
    assert store.layer_state(HAZARDS).feature_count == 0
    fids = store.insert_with_history(HAZARDS, [(record, [step]), (record, [step])])
    assert [len(store.history(HAZARDS, fid)) for fid in fids] == [1, 1]
