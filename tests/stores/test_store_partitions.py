"""Store contract, part 2: `replace_partitions` — a chart cell re-imported as a new edition swaps
its features in every layer in one transaction. Runs on both stores like the rest of the contract."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from layers.errors import InvalidFeature, InvalidQuery, LayerNotFound
from layers.model import FieldSpec, LayerDefinition
from layers.query import FeatureQuery, OutputCrs
from layers.stores.base import FeatureRecord, PartitionChange
from tests.stores.test_store_contract import _version, features, make_layer, rec

CRS84 = OutputCrs(4326, lat_first=False)


@pytest.fixture
def store(store_factory):
    return store_factory()


# -- replace_partitions (a chart cell re-imported as a new edition) ------------------------------

PARTITION_FIELDS = (FieldSpec(name="cell", type="string", title_zh="单元"),
                    FieldSpec(name="n", type="integer", title_zh="序号"))


def _partitioned(store, layer_id: str) -> LayerDefinition:
    layer = make_layer(layer_id, fields=PARTITION_FIELDS, temporal_field=None)
    store.register_layer(layer)
    return layer


def _cells_and_numbers(store, layer) -> list[tuple[str, int]]:
    page = store.query(layer, FeatureQuery(limit=1000))
    return sorted((f["properties"]["cell"], f["properties"]["n"]) for f in features(page.features_json))


def test_replace_partitions_swaps_one_partition_in_every_layer(store):
    a, b = _partitioned(store, "part_a"), _partitioned(store, "part_b")
    store.insert(a, [rec(125.0, 43.0, cell="X", n=1), rec(125.1, 43.1, cell="X", n=2), rec(126.0, 44.0, cell="Y", n=3)])
    store.insert(b, [rec(127.0, 45.0, cell="X", n=4), rec(127.5, 45.5, cell="Y", n=5)])
    before_a, before_b = _version(store, a), _version(store, b)
    written: list[int] = []
    result = store.replace_partitions([
        PartitionChange(a, "cell", "X", [rec(125.5, 43.5, cell="X", n=10), rec(125.6, 43.6, cell="X", n=11)]),
        PartitionChange(b, "cell", "X", []),
    ], progress=written.append)
    assert _cells_and_numbers(store, a) == [("X", 10), ("X", 11), ("Y", 3)]
    assert _cells_and_numbers(store, b) == [("Y", 5)]
    assert len(result) == 2 and len(result[0]) == 2 and result[1] == []
    assert [store.get(a, fid, CRS84).properties["n"] for fid in result[0]] == [10, 11]
    assert written and written[-1] == 2
    # one data-version step per layer, its edit log covering what went and what came
    assert _version(store, a) == before_a + 1 and _version(store, b) == before_b + 1
    boxes_a = [box for _, box in store.edits_since(a.id, before_a)]
    assert min(box[0] for box in boxes_a) <= 125.0 and max(box[2] for box in boxes_a) >= 125.6 - 1e-9
    assert all(box[2] < 126.0 for box in boxes_a)  # partition Y did not change
    ((_, gone),) = store.edits_since(b.id, before_b)
    assert gone[0] <= 127.0 <= gone[2] and gone[2] < 127.5
    # the layers' extents follow: partition X of b went, so b's extent shrank to Y's point
    assert store.layer_state(b).bbox == pytest.approx((127.5, 45.5, 127.5, 45.5), abs=1e-9)


def test_replace_partitions_failing_midway_changes_nothing(store):
    a, b = _partitioned(store, "part_a"), _partitioned(store, "part_b")
    store.insert(a, [rec(125.0, 43.0, cell="X", n=1), rec(126.0, 44.0, cell="Y", n=2)])
    (taken,) = store.insert(b, [rec(127.0, 45.0, cell="Y", n=3)])
    store.insert(b, [rec(127.2, 45.2, cell="X", n=4)])
    versions = (_version(store, a), _version(store, b))
    states = (store.layer_state(a), store.layer_state(b))
    collides = FeatureRecord(Point(127.1, 45.1), {"cell": "X", "n": 6}, fid=taken)  # fid of a feature that stays
    with pytest.raises(InvalidFeature):
        store.replace_partitions([
            PartitionChange(a, "cell", "X", [rec(125.5, 43.5, cell="X", n=5)]),  # would succeed alone
            PartitionChange(b, "cell", "X", [collides]),
        ])
    assert _cells_and_numbers(store, a) == [("X", 1), ("Y", 2)]
    assert _cells_and_numbers(store, b) == [("X", 4), ("Y", 3)]
    assert (_version(store, a), _version(store, b)) == versions
    assert (store.layer_state(a), store.layer_state(b)) == states
    assert store.edits_since(a.id, versions[0]) == [] and store.edits_since(b.id, versions[1]) == []


def test_replace_partitions_refuses_an_unknown_layer_or_field_before_writing(store):
    a = _partitioned(store, "part_a")
    store.insert(a, [rec(125.0, 43.0, cell="X", n=1)])
    version = _version(store, a)
    ghost = make_layer("ghost", fields=PARTITION_FIELDS, temporal_field=None)
    with pytest.raises(LayerNotFound):
        store.replace_partitions([PartitionChange(a, "cell", "X", []), PartitionChange(ghost, "cell", "X", [])])
    with pytest.raises(InvalidQuery):
        store.replace_partitions([PartitionChange(a, "no_such_field", "X", [])])
    assert _cells_and_numbers(store, a) == [("X", 1)] and _version(store, a) == version


def test_replace_partitions_with_nothing_to_change_keeps_the_data_version(store):
    a = _partitioned(store, "part_a")
    store.insert(a, [rec(125.0, 43.0, cell="X", n=1)])
    version = _version(store, a)
    assert store.replace_partitions([PartitionChange(a, "cell", "Z", [])]) == [[]]
    assert _version(store, a) == version and store.edits_since(a.id, version) == []
