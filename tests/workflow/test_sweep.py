"""The overdue sweep on both stores: flags follow deadlines, versions move, the overdue map follows."""

from __future__ import annotations

from datetime import timedelta

from domains.workflow import TransitionRequest, create_item, perform, sweep
from domains.workflow.engine import STORAGE
from domains.workflow.overdue_layer import OVERDUE_LAYER
from tests.workflow.support import HAZARDS, OFFICER, REPORTER, T0, hazard

H = timedelta(hours=1)


def _overdue_map(store) -> list[dict]:
    return [feature.properties | {"xy": (feature.geometry["coordinates"][0], feature.geometry["coordinates"][1])}
            for batch in store.iter_records(OVERDUE_LAYER) for feature in batch]


def test_sweep_sets_and_clears_the_flag_and_keeps_the_overdue_map(registry, store) -> None:
    late = create_item(store, HAZARDS, hazard(125.40, 43.90, name="桥头跳车"), REPORTER, now=T0)
    early = create_item(store, HAZARDS, hazard(125.50, 43.95), REPORTER, now=T0 + 20 * H)
    report = sweep(registry, now=T0 + H)
    assert report.changed == 0 and report.overdue_items == 0
    versions = store.layer_versions()

    report = sweep(registry, now=T0 + 25 * H)  # the first item's 24 h are up, the second's not
    assert [(r.layer_id, r.became_overdue, r.cleared) for r in report.layers] == [(HAZARDS.id, 1, 0)]
    assert store.get(HAZARDS, late, STORAGE).properties["overdue"] is True
    assert store.get(HAZARDS, late, STORAGE).version == 2
    assert store.get(HAZARDS, early, STORAGE).properties["overdue"] is False
    assert store.layer_versions()[HAZARDS.id] == versions[HAZARDS.id] + 1
    boxes = [box for _, box in store.edits_since(HAZARDS.id, versions[HAZARDS.id])]
    assert boxes == [(125.40, 43.90, 125.40, 43.90)]
    [point] = _overdue_map(store)
    assert (point["source_layer"], point["source_fid"], point["title"], point["state"], point["state_name"]) == (
        HAZARDS.id, late, "桥头跳车", "reported", "已上报")
    assert (point["holder"], point["holder_org"], point["adcode"]) == ("wang.wu", "长春市公路养护中心", "220100")
    assert point["deadline"] == T0 + 24 * H and point["hours_overdue"] == 1
    assert point["xy"] == (125.40, 43.90)

    versions = store.layer_versions()
    report = sweep(registry, now=T0 + 25.5 * H)  # nothing new: nothing written
    assert report.changed == 0
    assert store.layer_versions() == versions
    sweep(registry, now=T0 + 27 * H)  # two more whole hours overdue: the map is redrawn
    assert [p["hours_overdue"] for p in _overdue_map(store)] == [3]
    assert store.layer_versions()[HAZARDS.id] == versions[HAZARDS.id]

    # handled: the new state has its own deadline and the item leaves the map
    perform(store, HAZARDS, late, TransitionRequest("assess", values={"grade": "general"}), OFFICER, now=T0 + 28 * H)
    assert store.get(HAZARDS, late, STORAGE).properties["overdue"] is False
    report = sweep(registry, now=T0 + 45 * H)  # the second item is now 1 h past its deadline
    assert [(r.became_overdue, r.cleared) for r in report.layers] == [(1, 0)]
    assert [p["source_fid"] for p in _overdue_map(store)] == [early]


def test_a_flag_set_by_an_earlier_clock_is_cleared(registry, store) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    sweep(registry, now=T0 + 30 * H)
    assert store.get(HAZARDS, fid, STORAGE).properties["overdue"] is True
    report = sweep(registry, now=T0 + 2 * H)  # e.g. a deadline moved later: the flag follows the deadline
    assert [(r.became_overdue, r.cleared) for r in report.layers] == [(0, 1)]
    assert store.get(HAZARDS, fid, STORAGE).properties["overdue"] is False
    assert _overdue_map(store) == []
