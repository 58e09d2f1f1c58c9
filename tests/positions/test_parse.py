"""Reading position reports: every malformed field of a row is reported (index, field, reason), the good
rows are kept; plates are written one way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domains.road_transport.plates import normalize_plate
from domains.road_transport.positions.parse import BatchFormatError, parse_csv, parse_json_rows

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
GOOD = {"plate": "吉A·D1234", "time": "2024-05-01T08:00:00+08:00", "lon": 125.32, "lat": 43.82, "speed_kmh": 62.5,
        "heading_deg": 90}


def row(**changes: object) -> dict:
    out = dict(GOOD)
    for key, value in changes.items():
        if value is ...:
            out.pop(key)
        else:
            out[key] = value
    return out


@pytest.mark.parametrize(("raw", "stored"), [
    ("吉A·D1234", "吉A·D1234"), ("吉AD1234", "吉A·D1234"), ("吉a-d1234", "吉A·D1234"), (" 吉B 12345 ", "吉B·12345"),
    ("吉A·1234挂", "吉A·1234挂"), ("吉A·D12345", "吉A·D12345"), ("吉A·12345D", "吉A·12345D"),
])
def test_plates_are_stored_in_one_form(raw: str, stored: str) -> None:
    assert normalize_plate(raw) == stored


@pytest.mark.parametrize("raw", ["", "A·D1234", "吉I·D1234", "吉A·DI234", "吉A·D123", "吉A·D1234567", "X吉A12345"])
def test_invalid_plates_are_refused(raw: str) -> None:
    assert normalize_plate(raw) is None


@pytest.mark.parametrize(("bad", "field", "words"), [
    (row(plate="ABC123"), "plate", "车牌号格式错误"),
    (row(plate=...), "plate", "缺少字段"),
    (row(time="2024-05-01 08:00:00"), "time", "时区"),
    (row(time="yesterday"), "time", "时间格式错误"),
    (row(time="2024-05-01T21:00:00+08:00"), "time", "future"),
    (row(time="1999-12-31T23:00:00+08:00"), "time", "2000"),
    (row(lon=200.0), "lon", "经度超出中国范围"),
    (row(lat=-5.0), "lat", "纬度超出中国范围"),
    (row(lon="east"), "lon", "finite number"),
    (row(lat=None), "lat", "缺少字段"),
    (row(speed_kmh=-1), "speed_kmh", "0–250"),
    (row(speed_kmh=251), "speed_kmh", "0–250"),
    (row(heading_deg=361), "heading_deg", "0–360"),
    (row(heading_deg=True), "heading_deg", "finite number"),
    ("not an object", "row", "JSON 对象"),
])
def test_each_malformed_field_is_rejected_with_its_reason(bad: object, field: str, words: str) -> None:
    parsed = parse_json_rows([GOOD, bad, GOOD], NOW)
    assert parsed.received == 3
    assert len(parsed.batch) == 2 and parsed.rows == [0, 2]
    assert [(r.index, r.field) for r in parsed.rejects] == [(1, field)]
    assert words in parsed.rejects[0].reason
    assert "/" in parsed.rejects[0].reason  # Chinese first, English beside


def test_a_row_with_several_problems_reports_each_and_counts_once() -> None:
    parsed = parse_json_rows([row(plate="x", speed_kmh=900, heading_deg=-3)], NOW)
    assert sorted(r.field for r in parsed.rejects) == ["heading_deg", "plate", "speed_kmh"]
    assert parsed.rejected_rows == 1 and len(parsed.batch) == 0


def test_swapped_coordinates_are_named_as_such() -> None:
    parsed = parse_json_rows([row(lon=43.82, lat=125.32)], NOW)
    assert {r.field for r in parsed.rejects} == {"lon", "lat"}
    assert all("经纬度可能颠倒" in r.reason and "swapped" in r.reason for r in parsed.rejects)


def test_good_rows_keep_their_values_and_times_become_utc_milliseconds() -> None:
    parsed = parse_json_rows([row(plate="吉ad1234", time="2024-05-01T00:00:30Z", speed_kmh="61.5")], NOW)
    assert parsed.batch.plate.tolist() == ["吉A·D1234"]
    assert parsed.batch.t.tolist() == [int(datetime(2024, 5, 1, 0, 0, 30, tzinfo=UTC).timestamp() * 1000)]
    assert parsed.batch.speed.tolist() == [61.5]
    assert (parsed.batch.lon.tolist(), parsed.batch.lat.tolist()) == ([125.32], [43.82])


def test_a_body_that_is_not_an_array_is_refused_whole() -> None:
    with pytest.raises(BatchFormatError):
        parse_json_rows({"plate": "吉A·D1234"}, NOW)


def test_csv_reads_the_same_columns_in_any_order() -> None:
    text = ("\ufeffheading_deg,plate,time,lon,lat,speed_kmh,extra\n"
            "90,吉A·D1234,2024-05-01T08:00:00+08:00,125.32,43.82,62.5,x\n"
            "90,吉A·D1234,2024-05-01T08:00:30+08:00,125.33,99,62.5,y\n")
    parsed = parse_csv(text, NOW)
    assert len(parsed.batch) == 1
    assert [(r.index, r.field) for r in parsed.rejects] == [(1, "lat")]


def test_csv_without_its_columns_is_refused_whole() -> None:
    with pytest.raises(BatchFormatError, match="speed_kmh"):
        parse_csv("plate,time,lon,lat,heading_deg\n", NOW)
