"""The position tables in both stores: round trip, duplicates ignored, mixed batches through the ingest
pipeline, and (PostGIS) one partition per China-time day created on demand."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from domains.road_transport.positions.batch import PositionBatch, to_ms
from domains.road_transport.positions.ingest import ingest
from domains.road_transport.positions.parse import parse_json_rows
from domains.road_transport.positions.store import DrivingState, position_store
from layers.errors import InvalidFeature
from tests.positions.support import at


def batch_of(rows: list[tuple[str, int, float, float, float, float]]) -> PositionBatch:
    return PositionBatch.of(*(list(column) for column in zip(*rows, strict=True)))


def test_positions_round_trip_sorted_by_vehicle_and_time(rt) -> None:
    positions = position_store(rt.store)
    t0 = to_ms(at(1, 8))
    rows = [("吉B·12345", t0 + 30_000, 126.1, 43.8, 55.5, 180.0), ("吉A·D0001", t0 + 30_000, 125.2, 43.6, 0.0, 0.0),
            ("吉A·D0001", t0, 125.1, 43.5, 61.2, 90.5)]
    result = positions.write(batch_of(rows))
    assert (result.stored, result.duplicates) == (3, 0)
    back = positions.read(["吉A·D0001", "吉B·12345"], t0, t0 + 30_000)
    assert back.plate.tolist() == ["吉A·D0001", "吉A·D0001", "吉B·12345"]
    assert back.t.tolist() == [t0, t0 + 30_000, t0 + 30_000]
    assert back.lon.tolist() == [125.1, 125.2, 126.1]
    assert back.speed.tolist() == [61.2, 0.0, 55.5]
    assert back.heading.tolist() == [90.5, 0.0, 180.0]
    assert len(positions.read(["吉A·D0001"], t0 + 1, t0 + 29_999)) == 0
    assert positions.counts(t0, t0 + 60_000) == {"吉A·D0001": 2, "吉B·12345": 1}


def test_duplicates_are_ignored_and_new_rows_of_the_same_batch_kept(rt) -> None:
    positions = position_store(rt.store)
    t0 = to_ms(at(1, 8))
    first = [("吉A·D0001", t0 + i * 30_000, 125.0 + i / 100, 43.5, 60.0, 90.0) for i in range(5)]
    assert positions.write(batch_of(first)).stored == 5
    again = positions.write(batch_of(first))
    assert (again.stored, again.duplicates) == (0, 5)
    # overlapping batch: two rows already stored, one repeated inside the batch, two new
    mixed = [*first[3:], ("吉A·D0001", t0 + 5 * 30_000, 125.05, 43.5, 60.0, 90.0),
             ("吉A·D0001", t0 + 5 * 30_000, 125.05, 43.5, 60.0, 90.0), ("吉A·D0001", t0 + 6 * 30_000, 125.06, 43.5,
                                                                          60.0, 90.0)]
    result = positions.write(batch_of(mixed))
    assert (result.stored, result.duplicates) == (2, 3)
    assert positions.counts(t0, t0 + 3_600_000) == {"吉A·D0001": 7}


def test_a_mixed_batch_keeps_the_good_rows_and_reports_each_bad_one(rt) -> None:
    good = {"plate": "吉A·D0001", "lon": 125.3, "lat": 43.5, "speed_kmh": 50, "heading_deg": 90}
    rows = [{**good, "time": "2024-05-01T08:00:00+08:00"},
            {**good, "plate": "not a plate", "time": "2024-05-01T08:00:30+08:00"},
            {**good, "time": "2024-05-01T08:01:00+08:00", "lat": 91}, {**good, "time": "2024-05-01T08:01:30+08:00"},
            {**good, "time": "2024-05-01T08:02:00+08:00", "speed_kmh": 300, "heading_deg": 400}]
    parsed = parse_json_rows(rows, at(1, 12))
    report = ingest(rt, parsed, None, move=False)
    assert (report.received, report.accepted, report.stored, report.rejected) == (5, 2, 2, 3)
    assert sorted((r.index, r.field) for r in report.rejects) == [(1, "plate"), (2, "lat"), (4, "heading_deg"),
                                                                   (4, "speed_kmh")]
    stored = position_store(rt.store).read(["吉A·D0001"], to_ms(at(1, 7)), to_ms(at(1, 9)))
    assert stored.t.tolist() == [to_ms(at(1, 8)), to_ms(at(1, 8, 1, 30))]


def test_driving_states_keep_the_latest(rt) -> None:
    positions = position_store(rt.store)
    assert positions.read_states(["吉A·D0001"]) == {}
    positions.write_states({"吉A·D0001": DrivingState(2_000, 1_000, 1_500), "吉B·12345": DrivingState(500, None)})
    positions.write_states({"吉A·D0001": DrivingState(1_500, 900)})  # older: ignored
    assert positions.read_states(["吉A·D0001", "吉B·12345"]) == {
        "吉A·D0001": DrivingState(2_000, 1_000, 1_500), "吉B·12345": DrivingState(500, None, None)}
    positions.write_states({"吉A·D0001": DrivingState(3_000, None)})
    assert positions.read_states(["吉A·D0001"]) == {"吉A·D0001": DrivingState(3_000, None, None)}


@pytest.mark.parametrize("store_url", ["postgis"], indirect=True)
def test_postgis_partitions_by_china_day_are_created_on_demand(rt) -> None:
    positions = position_store(rt.store)
    engine = rt.store.engine

    def partitions() -> list[str]:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'rt_positions'::regclass ORDER BY 1")).scalars())

    # 23:59:30 and 00:00:30 China time fall on two days (15:59:30 and 16:00:30 UTC are one UTC day)
    rows = [("吉A·D0001", to_ms(at(1, 23, 59, 30)), 125.0, 43.5, 60.0, 90.0),
            ("吉A·D0001", to_ms(at(2, 0, 0, 30)), 125.01, 43.5, 60.0, 90.0)]
    positions.write(batch_of(rows))
    assert partitions() == ["rt_positions_p20240501", "rt_positions_p20240502"]
    with engine.connect() as conn:
        placed = conn.execute(sa.text("SELECT tableoid::regclass::text, to_char(time AT TIME ZONE 'Asia/Shanghai', "
                                      "'HH24:MI') FROM rt_positions ORDER BY time")).all()
        indexes = conn.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE tablename = 'rt_positions_p20240502'"
                                       )).scalars().all()
        srid = conn.execute(sa.text("SELECT DISTINCT ST_SRID(geom) FROM rt_positions")).scalars().all()
    assert [tuple(r) for r in placed] == [("rt_positions_p20240501", "23:59"), ("rt_positions_p20240502", "00:00")]
    assert any("gist (geom)" in text for text in indexes)
    assert any("(plate, \"time\")" in text and "UNIQUE" in text for text in indexes)
    assert srid == [4490]
    # a later batch on a known day creates nothing; a batch on a new day creates its partition
    positions.write(batch_of([("吉A·D0001", to_ms(at(2, 9)), 125.02, 43.5, 60.0, 90.0)]))
    assert len(partitions()) == 2
    positions.write(batch_of([("吉A·D0001", to_ms(at(5, 9)), 125.03, 43.5, 60.0, 90.0)]))
    assert partitions()[-1] == "rt_positions_p20240505"


@pytest.mark.parametrize("store_url", ["postgis"], indirect=True)
def test_postgis_partition_creation_rolls_back_with_a_failed_write(rt) -> None:
    positions = position_store(rt.store)
    # a plate longer than the column (parsing never lets one through): the database refuses the batch
    bad = PositionBatch.of(["吉A·D0001", "吉A·D00012345"], [to_ms(at(7, 9))] * 2, [125.0] * 2, [43.5] * 2, [60.0] * 2,
                           [90.0] * 2)
    with pytest.raises(InvalidFeature):
        positions.write(bad)
    with rt.store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT to_regclass('rt_positions_p20240507')")).scalar() is None
