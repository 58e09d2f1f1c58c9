"""The contract every feature store keeps: each test runs once on the GeoPackage and once on PostGIS.

Covers the registry (shared across store instances, as across worker processes), feature
round-trips of every field type, query filters, paging, output CRS, optimistic versions,
transactional writes, data versions and layer state.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import orjson
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from layers.errors import FeatureNotFound, InvalidFeature, InvalidQuery, LayerExists, LayerNotFound, VersionConflict
from layers.model import FieldSpec, LayerDefinition
from layers.query import FeatureQuery, OutputCrs, SortKey, TimeInterval
from layers.stores.base import FeatureRecord

CRS84 = OutputCrs(4326, lat_first=False)

POINT_FIELDS = (
    FieldSpec(name="name", type="string", title_zh="名称", max_length=80),
    FieldSpec(name="grade", type="integer", title_zh="等级"),
    FieldSpec(name="length_m", type="number", title_zh="长度", unit="m"),
    FieldSpec(name="active", type="boolean", title_zh="是否有效"),
    FieldSpec(name="opened", type="date", title_zh="开通日期"),
    FieldSpec(name="reported_at", type="datetime", title_zh="上报时间"),
)


def make_layer(layer_id: str = "road_points", geometry_type: str = "Point", **extra: object) -> LayerDefinition:
    values: dict[str, object] = {
        "id": layer_id, "title_zh": f"测试图层 {layer_id}", "title_en": f"Test layer {layer_id}",
        "domain": "test", "catalogue_code": "JL-TEST-001", "geometry_type": geometry_type,
        "fields": POINT_FIELDS, "temporal_field": "reported_at",
    }
    values.update(extra)
    return LayerDefinition.model_validate(values)


def at(day: int, hour: int = 8, ms: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, 30, 15, ms * 1000, tzinfo=UTC)


def rec(x: float, y: float, **properties: object) -> FeatureRecord:
    return FeatureRecord(geometry=Point(x, y), properties=dict(properties))


def features(page_json: bytes) -> list[dict]:
    return orjson.loads(page_json)


@pytest.fixture
def store(store_factory):
    return store_factory()


@pytest.fixture
def points(store) -> LayerDefinition:
    layer = make_layer()
    store.register_layer(layer)
    return layer


def seed(store, layer: LayerDefinition, n: int = 10) -> list[int]:
    """n points along a line through Changchun, grade = i % 3, name 'p{i}'."""
    return store.insert(layer, [
        rec(125.0 + i * 0.1, 43.5 + i * 0.05, name=f"p{i}", grade=i % 3, length_m=i * 1.5, active=i % 2 == 0,
            opened=date(2020, 1, 1 + i), reported_at=at(1 + i))
        for i in range(n)
    ])


# -- registry ---------------------------------------------------------------------------------

def test_registered_layer_is_seen_by_another_store_instance(store_factory):
    first, second = store_factory(), store_factory()
    before = second.registry_revision()
    layer = make_layer()
    first.register_layer(layer)
    assert second.registry_revision() > before
    assert second.load_layer_definitions() == [layer]
    other = make_layer("bridges", "LineString", fields=(), temporal_field=None)
    revision = first.registry_revision()
    second.register_layer(other)
    assert first.registry_revision() > revision
    assert [item.id for item in first.load_layer_definitions()] == ["road_points", "bridges"]


def test_duplicate_registration_raises_layer_exists(store, points):
    revision = store.registry_revision()
    with pytest.raises(LayerExists):
        store.register_layer(make_layer(title_zh="另一个"))
    assert store.registry_revision() == revision
    assert store.load_layer_definitions() == [points]


def test_replace_keeps_data_and_adds_columns(store, points):
    fids = seed(store, points, 3)
    revision = store.registry_revision()
    wider = make_layer(fields=(*POINT_FIELDS, FieldSpec(name="remark", type="string", title_zh="备注")))
    store.register_layer(wider, replace=True)
    assert store.registry_revision() > revision
    assert store.load_layer_definitions() == [wider]
    stored = store.get(wider, fids[1], CRS84)
    assert stored.properties["name"] == "p1" and stored.properties["remark"] is None
    fid = store.insert(wider, [rec(125.5, 43.9, name="新", remark="新字段")])[0]
    assert store.get(wider, fid, CRS84).properties["remark"] == "新字段"


def test_reregistering_an_unchanged_definition_changes_nothing(store, points):
    # Domains re-register their layers at every start-up: that must not look like a change
    # (no registry reload in every worker, no data-version bump that would invalidate caches).
    seed(store, points, 2)
    revision, state = store.registry_revision(), store.layer_state(points)
    store.register_layer(make_layer(), replace=True)
    assert store.registry_revision() == revision
    assert store.layer_state(points) == state


def test_drop_layer(store, points):
    seed(store, points, 2)
    revision = store.registry_revision()
    store.drop_layer(points.id)
    assert store.registry_revision() > revision
    assert store.load_layer_definitions() == []
    with pytest.raises(LayerNotFound):
        store.drop_layer(points.id)
    with pytest.raises(LayerNotFound):
        store.query(points, FeatureQuery())
    store.register_layer(points)  # the id is free again, and the new table starts empty
    assert store.layer_state(points).feature_count == 0


# -- writing and reading features ----------------------------------------------------------------

def test_insert_get_roundtrip_of_every_field_type(store, points):
    full = {"name": "吉林省交通运输厅 G12珲乌高速 K1023+500", "grade": -7, "length_m": 1234.5, "active": False,
            "opened": date(2021, 12, 31), "reported_at": datetime(2024, 5, 1, 16, 30, 15, 123000,
                                                                   tzinfo=timezone(timedelta(hours=8)))}
    empty = dict.fromkeys(full)
    fids = store.insert(points, [rec(125.32, 43.82, **full), rec(126.55, 43.84, **empty)])
    assert len(fids) == 2 and fids[0] != fids[1]
    got = store.get(points, fids[0], CRS84)
    assert got.fid == fids[0] and got.version == 1
    assert got.geometry == {"type": "Point", "coordinates": [125.32, 43.82]}
    assert got.properties == full
    assert got.properties["reported_at"] == datetime(2024, 5, 1, 8, 30, 15, 123000, tzinfo=UTC)
    assert list(got.properties) == list(points.field_names)
    assert store.get(points, fids[1], CRS84).properties == empty


def test_insert_with_given_fids(store, points):
    first = store.insert(points, [rec(125.0, 43.0, name="a"), rec(125.1, 43.1, name="b")])
    assert store.insert(points, [FeatureRecord(Point(125.2, 43.2), {"name": "c"}, fid=500)]) == [500]
    assert store.get(points, 500, CRS84).properties["name"] == "c"
    later = store.insert(points, [rec(125.3, 43.3, name="d")])
    assert len({*first, 500, *later}) == 4
    assert store.get(points, later[0], CRS84).properties["name"] == "d"


def test_bulk_insert_reports_progress(store, points):
    reported: list[int] = []
    records = (rec(125.0 + (i % 100) * 0.01, 43.0 + (i // 100) * 0.01, name=f"n{i}", grade=i) for i in range(12_000))
    fids = store.insert(points, records, progress=reported.append)
    assert len(fids) == len(set(fids)) == 12_000
    assert reported and reported == sorted(reported) and reported[-1] == 12_000
    assert store.layer_state(points).feature_count == 12_000


def test_page_json_shape(store, points):
    store.insert(points, [rec(125.32, 43.82, name="长春", grade=1, length_m=2.5, active=True,
                              opened=date(2024, 5, 1), reported_at=at(1, ms=250))])
    page = store.query(points, FeatureQuery())
    assert page.number_matched == 1 and page.number_returned == 1
    (feature,) = features(page.features_json)
    assert feature["type"] == "Feature" and isinstance(feature["id"], int)
    assert feature["geometry"] == {"type": "Point", "coordinates": [125.32, 43.82]}
    assert list(feature["properties"]) == list(points.field_names)
    props = feature["properties"]
    assert props["name"] == "长春" and props["grade"] == 1 and props["length_m"] == 2.5
    assert props["active"] is True and props["opened"] == "2024-05-01"
    assert props["reported_at"].endswith("Z")
    assert datetime.fromisoformat(props["reported_at"]) == at(1, ms=250)


def test_bbox_query_is_exact(store):
    lines = make_layer("roads", "LineString")
    store.register_layer(lines)
    # A diagonal whose bounding box covers the query box's corner, but whose line passes far away.
    diagonal = FeatureRecord(LineString([(125.0, 44.0), (126.0, 43.0)]), {"name": "diagonal"})
    inside = FeatureRecord(LineString([(125.05, 43.05), (125.15, 43.15)]), {"name": "inside"})
    crossing = FeatureRecord(LineString([(124.9, 43.1), (125.3, 43.1)]), {"name": "crossing"})
    store.insert(lines, [diagonal, inside, crossing])
    page = store.query(lines, FeatureQuery(bbox=(125.0, 43.0, 125.2, 43.2)))
    assert sorted(f["properties"]["name"] for f in features(page.features_json)) == ["crossing", "inside"]
    assert page.number_matched == 2


def test_bbox_on_polygons_and_multipolygons(store):
    areas = make_layer("areas", "MultiPolygon", fields=(FieldSpec(name="name", type="string", title_zh="名称"),),
                       temporal_field=None)
    store.register_layer(areas)
    ring = Polygon([(125.0, 43.0), (126.0, 43.0), (126.0, 44.0), (125.0, 44.0)],
                   [[(125.2, 43.2), (125.8, 43.2), (125.8, 43.8), (125.2, 43.8)]])
    store.insert(areas, [FeatureRecord(MultiPolygon([ring]), {"name": "ring"})])
    in_hole = store.query(areas, FeatureQuery(bbox=(125.4, 43.4, 125.6, 43.6)))
    on_ring = store.query(areas, FeatureQuery(bbox=(125.05, 43.4, 125.1, 43.6)))
    assert in_hole.number_matched == 0 and on_ring.number_matched == 1


def test_equals_filter(store, points):
    seed(store, points, 9)
    page = store.query(points, FeatureQuery(equals=(("grade", 1),), limit=100))
    assert sorted(f["properties"]["name"] for f in features(page.features_json)) == ["p1", "p4", "p7"]
    both = store.query(points, FeatureQuery(equals=(("grade", 1), ("name", "p4"))))
    assert [f["properties"]["name"] for f in features(both.features_json)] == ["p4"]
    on_date = store.query(points, FeatureQuery(equals=(("opened", date(2020, 1, 3)),)))
    assert [f["properties"]["name"] for f in features(on_date.features_json)] == ["p2"]
    with pytest.raises(InvalidQuery):
        store.query(points, FeatureQuery(equals=(("no_such_field", "x"),)))


def test_sortby_ascending_and_descending(store, points):
    store.insert(points, [rec(125.0, 43.0, name="b", grade=2), rec(125.1, 43.1, name="a", grade=2),
                          rec(125.2, 43.2, name="c", grade=1), rec(125.3, 43.3, name=None, grade=3)])

    def names(*keys: SortKey) -> list[str | None]:
        page = store.query(points, FeatureQuery(sortby=keys, limit=10))
        return [f["properties"]["name"] for f in features(page.features_json)]

    assert names(SortKey("name")) == ["a", "b", "c", None]
    assert names(SortKey("name", ascending=False)) == [None, "c", "b", "a"]
    assert names(SortKey("grade", ascending=False), SortKey("name")) == [None, "a", "b", "c"]
    with pytest.raises(InvalidQuery):
        names(SortKey("nope"))


def test_paging_covers_every_feature_once(store, points):
    fids = seed(store, points, 23)
    seen: list[int] = []
    for offset in range(0, 30, 5):
        page = store.query(points, FeatureQuery(limit=5, offset=offset))
        assert page.number_matched == 23
        assert page.number_returned == len(features(page.features_json)) == min(5, max(0, 23 - offset))
        seen.extend(f["id"] for f in features(page.features_json))
    assert sorted(seen) == sorted(fids) and len(set(seen)) == 23


def test_number_matched_only_when_counted(store, points):
    seed(store, points, 6)
    filtered = store.query(points, FeatureQuery(equals=(("grade", 0),), limit=1))
    assert filtered.number_matched == 2 and filtered.number_returned == 1
    assert store.query(points, FeatureQuery(count=False)).number_matched is None


def test_output_crs_web_mercator_and_lat_first(store, points):
    fid = store.insert(points, [rec(125.32, 43.82, name="长春")])[0]
    x, y = Transformer.from_crs(4490, 3857, always_xy=True).transform(125.32, 43.82)
    page = store.query(points, FeatureQuery(crs=OutputCrs(3857)))
    coords = features(page.features_json)[0]["geometry"]["coordinates"]
    assert coords == pytest.approx([x, y], abs=0.01)
    assert coords == [round(x, 2), round(y, 2)]
    lat_first = store.query(points, FeatureQuery(crs=OutputCrs(4490, lat_first=True)))
    assert features(lat_first.features_json)[0]["geometry"]["coordinates"] == [43.82, 125.32]
    assert store.get(points, fid, OutputCrs(4326, lat_first=True)).geometry["coordinates"] == [43.82, 125.32]
    assert store.get(points, fid, OutputCrs(3857)).geometry["coordinates"] == pytest.approx([x, y], abs=0.01)


def test_skip_geometry_and_properties_subset(store, points):
    seed(store, points, 2)
    page = store.query(points, FeatureQuery(skip_geometry=True, properties=("reported_at", "name")))
    for feature in features(page.features_json):
        assert feature["geometry"] is None
        assert list(feature["properties"]) == ["name", "reported_at"]  # declaration order
    none = store.query(points, FeatureQuery(properties=()))
    assert all(f["properties"] == {} and f["geometry"] for f in features(none.features_json))
    with pytest.raises(InvalidQuery):
        store.query(points, FeatureQuery(properties=("nope",)))


def test_datetime_interval_on_temporal_field(store, points):
    seed(store, points, 10)  # reported_at = 2024-05-(1+i) 08:30:15Z
    query = FeatureQuery(interval=TimeInterval(at(3, 0), at(5, 23)), limit=100)
    names = sorted(f["properties"]["name"] for f in features(store.query(points, query).features_json))
    assert names == ["p2", "p3", "p4"]
    open_end = FeatureQuery(interval=TimeInterval(at(9, 0), None), limit=100)
    assert store.query(points, open_end).number_matched == 2
    instant = FeatureQuery(interval=TimeInterval(at(4), at(4)))
    assert store.query(points, instant).number_matched == 1


def test_datetime_interval_on_a_date_field_uses_the_china_day(store):
    layer = make_layer("openings", temporal_field="opened")
    store.register_layer(layer)
    store.insert(layer, [rec(125.0, 43.5, name="apr30", opened=date(2024, 4, 30)),
                         rec(125.1, 43.5, name="may01", opened=date(2024, 5, 1)),
                         rec(125.2, 43.5, name="may02", opened=date(2024, 5, 2))])
    china = timezone(timedelta(hours=8))
    # 2024-05-01 in China runs from 2024-04-30T16:00Z to 2024-05-01T15:59:59Z
    may_first = TimeInterval(datetime(2024, 5, 1, 0, 0, tzinfo=china).astimezone(UTC),
                             datetime(2024, 5, 1, 23, 59, 59, tzinfo=china).astimezone(UTC))
    page = store.query(layer, FeatureQuery(interval=may_first))
    names = [f["properties"]["name"] for f in features(page.features_json)]
    assert names == ["may01"]


# -- versions, errors, transactions ----------------------------------------------------------------

def test_replace_bumps_version_and_stale_version_conflicts(store, points):
    fid = seed(store, points, 1)[0]
    new = store.replace(points, fid, rec(125.5, 43.5, name="改名", grade=2), expected_version=1)
    assert new.version == 2 and new.properties["name"] == "改名" and new.properties["active"] is None
    assert new.geometry == {"type": "Point", "coordinates": [125.5, 43.5]}
    with pytest.raises(VersionConflict) as conflict:
        store.replace(points, fid, rec(126.0, 44.0, name="stale"), expected_version=1)
    assert conflict.value.current_version == 2
    kept = store.get(points, fid, CRS84)
    assert kept.version == 2 and kept.properties["name"] == "改名"
    assert kept.geometry["coordinates"] == [125.5, 43.5]
    assert store.replace(points, fid, rec(125.6, 43.6, name="无条件")).version == 3
    with pytest.raises(FeatureNotFound):
        store.replace(points, 99_999, rec(125.0, 43.0))


def test_delete_then_get_is_not_found(store, points):
    fid, other = seed(store, points, 2)
    with pytest.raises(VersionConflict):
        store.delete(points, fid, expected_version=7)
    store.get(points, fid, CRS84)
    store.delete(points, fid, expected_version=1)
    with pytest.raises(FeatureNotFound):
        store.get(points, fid, CRS84)
    with pytest.raises(FeatureNotFound):
        store.delete(points, fid)
    assert store.get(points, other, CRS84).fid == other


def test_delete_where_fids(store, points):
    fids = seed(store, points, 5)
    assert store.delete_where_fids(points, [fids[0], fids[2], 99_999]) == 2
    remaining = [f["id"] for f in features(store.query(points, FeatureQuery()).features_json)]
    assert remaining == [fids[1], fids[3], fids[4]]


def test_batch_rejected_midway_writes_nothing(store, points):
    fids = seed(store, points, 2)
    state = store.layer_state(points)
    batch = [rec(125.0, 43.0, name="new 1"), rec(125.1, 43.1, name="new 2"),
             FeatureRecord(Point(125.2, 43.2), {"name": "collides"}, fid=fids[0])]
    with pytest.raises(InvalidFeature):
        store.insert(points, batch)
    after = store.layer_state(points)
    assert after.feature_count == 2 and after.data_version == state.data_version
    assert store.get(points, fids[0], CRS84).properties["name"] == "p0"


def test_unknown_layer_is_layer_not_found(store, points):
    ghost = make_layer("ghost")
    with pytest.raises(LayerNotFound):
        store.insert(ghost, [rec(125.0, 43.0)])
    with pytest.raises(LayerNotFound):
        store.layer_state(ghost)


def test_data_version_increases_on_each_write(store, points):
    versions = [store.layer_state(points).data_version]

    def bumped() -> None:
        versions.append(store.layer_state(points).data_version)
        assert versions[-1] > versions[-2]

    fids = seed(store, points, 3)
    bumped()
    store.replace(points, fids[0], rec(125.0, 43.0, name="x"))
    bumped()
    store.delete(points, fids[1])
    bumped()
    store.delete_where_fids(points, [fids[2]])
    bumped()
    store.insert(points, [rec(125.0, 43.0)])
    bumped()


def test_layer_state_counts_and_extents(store, points):
    empty = store.layer_state(points)
    assert empty.layer_id == points.id and empty.feature_count == 0 and empty.bbox is None
    fids = seed(store, points, 5)  # x 125.0…125.4, y 43.5…43.7, reported 2024-05-01…05
    state = store.layer_state(points)
    assert state.feature_count == 5
    assert state.bbox == pytest.approx((125.0, 43.5, 125.4, 43.7), abs=1e-9)
    assert state.time_extent == (at(1), at(5))
    store.delete(points, fids[4])  # the north-east corner goes: the extent shrinks
    shrunk = store.layer_state(points)
    assert shrunk.feature_count == 4
    assert shrunk.bbox == pytest.approx((125.0, 43.5, 125.3, 43.65), abs=1e-9)
    assert shrunk.time_extent == (at(1), at(4))


def test_iter_records_in_fid_order_in_storage_crs(store, points):
    fids = seed(store, points, 7)
    precise = store.insert(points, [rec(125.123456789012, 43.987654321098, name="precise")])[0]
    batches = list(store.iter_records(points, batch_size=3))
    assert [len(b) for b in batches] == [3, 3, 2]
    records = [r for batch in batches for r in batch]
    assert [r.fid for r in records] == [*fids, precise]
    assert records[3].properties["name"] == "p3" and records[3].version == 1
    assert records[-1].geometry["coordinates"] == pytest.approx([125.123456789012, 43.987654321098], abs=1e-12)


def test_simple_cql_filter(store, points):
    pytest.importorskip("layers.filters.to_sql")
    seed(store, points, 4)
    page = store.query(points, FeatureQuery(cql={"op": "=", "args": [{"property": "name"}, "p2"]}))
    assert [f["properties"]["name"] for f in features(page.features_json)] == ["p2"]


# -- edit log and change watch (the tile cache invalidates by them) ---------------------------

def _version(store, layer) -> int:
    return store.layer_versions()[layer.id]


def _eventually(check, attempts: int = 200) -> bool:
    """Whether `check()` turns true while notifications travel (polls, up to ~5 s)."""
    import time

    for _ in range(attempts):
        if check():
            return True
        time.sleep(0.025)
    return False


def test_layer_versions_lists_every_layer_at_its_data_version(store, points):
    other = make_layer("bridges", "LineString", fields=(), temporal_field=None)
    store.register_layer(other)
    seed(store, points, 2)
    versions = store.layer_versions()
    assert set(versions) == {"road_points", "bridges"}
    assert versions["road_points"] == store.layer_state(points).data_version
    assert versions["bridges"] == store.layer_state(other).data_version


def test_edit_log_holds_old_and_new_boxes_of_each_single_write(store, points):
    start = _version(store, points)
    (fid,) = store.insert(points, [rec(125.0, 43.5, name="a")])
    inserted = _version(store, points)
    assert store.edits_since(points.id, start) == [(inserted, pytest.approx((125.0, 43.5, 125.0, 43.5)))]
    store.replace(points, fid, rec(126.0, 44.0, name="moved"))
    moved = _version(store, points)
    entries = store.edits_since(points.id, inserted)
    assert [v for v, _ in entries] == [moved, moved]
    assert sorted(box for _, box in entries) == [pytest.approx((125.0, 43.5, 125.0, 43.5)),
                                                 pytest.approx((126.0, 44.0, 126.0, 44.0))]
    store.delete(points, fid)
    deleted = _version(store, points)
    assert store.edits_since(points.id, moved) == [(deleted, pytest.approx((126.0, 44.0, 126.0, 44.0)))]
    assert [v for v, _ in store.edits_since(points.id, start)] == [inserted, moved, moved, deleted]


def test_edit_log_bulk_writes_cover_every_feature(store, points):
    start = _version(store, points)
    fids = seed(store, points, 10)  # x 125.0…125.9, y 43.5…43.95
    entries = store.edits_since(points.id, start)
    assert entries and all(box is not None for _, box in entries)
    assert min(box[0] for _, box in entries) <= 125.0 and max(box[2] for _, box in entries) >= 125.9 - 1e-9
    assert min(box[1] for _, box in entries) <= 43.5 and max(box[3] for _, box in entries) >= 43.95 - 1e-9
    before = _version(store, points)
    store.delete_where_fids(points, [fids[2], fids[7]])  # (125.2, 43.6) and (125.7, 43.85)
    ((version, (minx, miny, maxx, maxy)),) = store.edits_since(points.id, before)
    assert version == _version(store, points)
    assert minx <= 125.2 <= 125.7 <= maxx and miny <= 43.6 <= 43.85 <= maxy
    assert minx > 125.1 and maxx < 125.8  # the box of what went, not of the layer


def test_failed_write_logs_nothing(store, points):
    fids = seed(store, points, 2)
    version = _version(store, points)
    with pytest.raises(VersionConflict):
        store.replace(points, fids[0], rec(127.0, 45.0), expected_version=99)
    with pytest.raises(FeatureNotFound):
        store.delete(points, 999_999)
    assert store.edits_since(points.id, version) == []
    assert _version(store, points) == version


def test_redefined_layer_logs_a_whole_layer_edit(store, points):
    seed(store, points, 2)
    version = _version(store, points)
    store.register_layer(make_layer(title_zh="改名"), replace=True)
    assert _version(store, points) > version
    assert store.edits_since(points.id, version) == [(_version(store, points), None)]


def test_a_re_registered_layer_never_reuses_a_data_version(store, points):
    seed(store, points, 3)
    old = _version(store, points)
    store.drop_layer(points.id)
    store.register_layer(points)
    assert _version(store, points) > old
    store.insert(points, [rec(125.0, 43.5)])
    # whatever was cached from the dropped layer is void: a whole-layer edit lies after it
    assert any(box is None for _, box in store.edits_since(points.id, old))
    assert store.edits_since("no_such_layer", 0) == []


def test_edit_log_is_pruned_to_a_whole_layer_horizon(store, points, monkeypatch):
    from layers.stores.geopackage import edits as gpkg_edits
    from layers.stores.postgis import edits as pg_edits

    for module in (gpkg_edits, pg_edits):
        monkeypatch.setattr(module, "EDIT_LOG_KEEP", 4)
        monkeypatch.setattr(module, "PRUNE_EVERY", 5)
    (fid,) = store.insert(points, [rec(125.0, 43.5)])
    for i in range(12):
        store.replace(points, fid, rec(125.0 + i * 0.01, 43.5))
    current = _version(store, points)
    entries = store.edits_since(points.id, 0)
    horizon, box = entries[0]
    assert box is None and horizon >= current - 4 - 5  # older entries folded into one
    assert all(version > horizon and box is not None for version, box in entries[1:])
    assert [v for v, _ in store.edits_since(points.id, current - 1)] == [current, current]


def test_change_watch_sees_writes_of_this_and_other_store_instances(store_factory):
    first, second = store_factory(), store_factory()
    layer = make_layer()
    first.register_layer(layer)
    watch = first.change_watch()
    try:
        assert watch.changed()  # a new watch knows nothing yet
        assert _eventually(lambda: not watch.changed())  # settles once earlier news is drained
        first.insert(layer, [rec(125.0, 43.5)])
        assert watch.changed()  # this process's own write: seen at once
        assert _eventually(lambda: not watch.changed())
        second.insert(layer, [rec(125.1, 43.6)])
        assert _eventually(watch.changed)  # another instance (as another worker process)
    finally:
        watch.close()


def test_instance_id_is_stable_per_database(store_factory):
    first, second = store_factory(), store_factory()
    assert first.instance_id() == second.instance_id() != ""
