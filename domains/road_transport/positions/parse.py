"""Reading a batch of position reports (JT/T 808 位置信息汇报, as JSON objects or CSV rows) into a
`PositionBatch`, rejecting each malformed row with the field and the reason.

Every row carries `plate`, `time` (ISO 8601 with a UTC offset), `lon`, `lat` (CGCS2000/WGS 84
degrees), `speed_kmh` and `heading_deg`. A row is rejected when any of them is missing or wrong;
the good rows of the same batch are kept. A body that is not a JSON array, or a CSV without the
columns, is the caller's problem as a whole: `BatchFormatError`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from domains.road_transport.plates import normalize_plate
from domains.road_transport.positions.batch import CST, PositionBatch, from_ms, to_ms
from layers.model import CHINA_EXTENT

COLUMNS = ("plate", "time", "lon", "lat", "speed_kmh", "heading_deg")
MAX_SPEED_KMH = 250.0
EARLIEST = datetime.fromisoformat("2000-01-01T00:00:00+08:00")
#: A report may be stamped at most this far after the server's clock (terminal clock drift).
FUTURE_TOLERANCE = timedelta(minutes=10)


class BatchFormatError(ValueError):
    """The body as a whole is unreadable (not a JSON array of objects, a CSV without its header)."""


@dataclass(frozen=True, slots=True)
class Reject:
    """One problem with one row: its index in the batch (from 0), the field and the reason."""

    index: int
    field: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ParsedBatch:
    batch: PositionBatch
    #: The input index of each accepted row (same order as `batch`).
    rows: list[int]
    rejects: list[Reject]
    received: int

    @property
    def rejected_rows(self) -> int:
        return len({reject.index for reject in self.rejects})


def parse_json_rows(data: Any, now: datetime) -> ParsedBatch:
    """A decoded JSON body (a list of objects) → accepted rows and rejects."""
    if not isinstance(data, list):
        raise BatchFormatError("请求体须为位置报告的 JSON 数组 / the body must be a JSON array of position reports")
    return _parse(data, now)


def parse_csv(text: str, now: datetime) -> ParsedBatch:
    """CSV with a header naming the six columns (any order, extra columns ignored)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or ()]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise BatchFormatError(f"CSV 缺少列 {', '.join(missing)} / the CSV header lacks {', '.join(missing)}")
    reader.fieldnames = header
    return _parse(list(reader), now)


def _parse(rows: Sequence[Any], now: datetime) -> ParsedBatch:
    """Rows that pass the quick column-wise checks are taken as they are; the others are checked one
    by one (`_check_row`), which names every problem of each."""
    latest = now + FUTURE_TOLERANCE
    values, quick = _quick_columns(rows, latest)
    rejects: list[Reject] = []
    for index in np.flatnonzero(~quick).tolist():
        row_values, problems = _check_row(index, rows[index], latest)
        if problems:
            rejects.extend(problems)
            continue
        for column, value in zip(values, row_values, strict=True):  # not expected: the checks agree
            column[index] = value
        quick[index] = True
    good = np.flatnonzero(quick)
    batch = PositionBatch.of(*(np.asarray(column, dtype=object)[good] if i == 0 else np.asarray(column)[good]
                               for i, column in enumerate(values)))
    return ParsedBatch(batch, good.tolist(), rejects, len(rows))


def _quick_columns(rows: Sequence[Any], latest: datetime) -> tuple[list[Any], np.ndarray]:
    """The six columns (values of rows that failed are placeholders) and which rows passed."""
    n = len(rows)
    if n == 0 or not all(type(row) is dict for row in rows):
        return [[None] * n, np.zeros(n, dtype=np.int64), *(np.zeros(n) for _ in range(4))], np.zeros(n, dtype=bool)
    plates = _distinct(rows, "plate", lambda v: normalize_plate(v) if isinstance(v, str) else None)
    times = _distinct(rows, "time", lambda v: _time(0, v, latest, []))
    ok = np.array([p is not None for p in plates], dtype=bool) & np.array([t is not None for t in times], dtype=bool)
    numbers = []
    for name in COLUMNS[2:]:
        column = [row.get(name) for row in rows]
        if {type(v) for v in column} <= {int, float}:
            array = np.asarray(column, dtype=np.float64)
        else:
            array = np.array([_as_float(v) for v in column], dtype=np.float64)
        ok &= np.isfinite(array)
        numbers.append(array)
    lon, lat, speed, heading = numbers
    minx, miny, maxx, maxy = CHINA_EXTENT
    with np.errstate(invalid="ignore"):
        ok &= (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
        ok &= (speed >= 0.0) & (speed <= MAX_SPEED_KMH) & (heading >= 0.0) & (heading <= 360.0)
    time_column = np.array([0 if t is None else t for t in times], dtype=np.int64)
    return [plates, time_column, *numbers], ok


def _distinct(rows: Sequence[dict[str, Any]], name: str, check: Any) -> list[Any]:
    """`check` of each row's value, computed once per distinct value (a batch repeats plates and times)."""
    column = [row.get(name) for row in rows]
    seen: dict[Any, Any] = {}
    out = []
    for value in column:
        key = value if isinstance(value, str) else None
        if key is None:
            out.append(None)
            continue
        if key not in seen:
            seen[key] = check(key)
        out.append(seen[key])
    return out


def _as_float(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        return math.nan
    if isinstance(value, int | float | str):
        try:
            return float(value.strip() if isinstance(value, str) else value)
        except (ValueError, OverflowError):
            return math.nan
    return math.nan


def _check_row(index: int, row: Any, latest: datetime) -> tuple[tuple[Any, ...], list[Reject]]:
    if not isinstance(row, Mapping):
        return (), [Reject(index, "row", "每条位置报告须为 JSON 对象 / each report must be a JSON object")]
    problems: list[Reject] = []
    plate = _plate(index, row.get("plate"), problems)
    time = _time(index, row.get("time"), latest, problems)
    lon = _number(index, row, "lon", problems)
    lat = _number(index, row, "lat", problems)
    if lon is not None and lat is not None:
        _check_place(index, lon, lat, problems)
    speed = _number(index, row, "speed_kmh", problems)
    if speed is not None and not 0.0 <= speed <= MAX_SPEED_KMH:
        problems.append(Reject(index, "speed_kmh", f"速度须在 0–{MAX_SPEED_KMH:g} km/h 之间 / speed must lie in "
                                                   f"0–{MAX_SPEED_KMH:g} km/h, got {speed:g}"))
    heading = _number(index, row, "heading_deg", problems)
    if heading is not None and not 0.0 <= heading <= 360.0:
        problems.append(Reject(index, "heading_deg", f"方向须在 0–360 度之间 / heading must lie in 0–360°, "
                                                     f"got {heading:g}"))
    return (plate, time, lon, lat, speed, heading), problems


def _missing(index: int, field: str) -> Reject:
    return Reject(index, field, f"缺少字段 {field} / {field} is missing")


def _plate(index: int, value: Any, problems: list[Reject]) -> str | None:
    if value is None or value == "":
        problems.append(_missing(index, "plate"))
        return None
    plate = normalize_plate(value) if isinstance(value, str) else None
    if plate is None:
        problems.append(Reject(index, "plate", f"车牌号格式错误 / not a valid plate number: {value!r}"))
    return plate


def _time(index: int, value: Any, latest: datetime, problems: list[Reject]) -> int | None:
    if value is None or value == "":
        problems.append(_missing(index, "time"))
        return None
    if not isinstance(value, str):
        problems.append(Reject(index, "time", "时间须为 ISO 8601 字符串 / time must be an ISO 8601 string"))
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems.append(Reject(index, "time", f"时间格式错误 / not an ISO 8601 time: {value!r}"))
        return None
    if moment.tzinfo is None:
        problems.append(Reject(index, "time", "时间须带时区偏移（如 +08:00）/ time must carry a UTC offset "
                                              f"(e.g. +08:00): {value!r}"))
        return None
    if moment < EARLIEST:
        problems.append(Reject(index, "time", f"时间早于 2000 年 / time before 2000: {value!r}"))
        return None
    if moment > latest:
        problems.append(Reject(index, "time", f"时间晚于服务器当前时间 / time is in the future: {value!r}"))
        return None
    return to_ms(moment)


def _number(index: int, row: Mapping[str, Any], field: str, problems: list[Reject]) -> float | None:
    value = row.get(field)
    if value is None or value == "":
        problems.append(_missing(index, field))
        return None
    if isinstance(value, bool):
        number = math.nan
    elif isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            number = math.nan
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = math.nan
    else:
        number = math.nan
    if not math.isfinite(number):
        problems.append(Reject(index, field, f"{field} 须为有限数值 / {field} must be a finite number, got {value!r}"))
        return None
    return number


def _check_place(index: int, lon: float, lat: float, problems: list[Reject]) -> None:
    minx, miny, maxx, maxy = CHINA_EXTENT
    lon_ok, lat_ok = minx <= lon <= maxx, miny <= lat <= maxy
    if lon_ok and lat_ok:
        return
    swapped = minx <= lat <= maxx and miny <= lon <= maxy
    hint = "（经纬度可能颠倒）/ (lon and lat may be swapped)" if swapped else ""
    if not lon_ok:
        problems.append(Reject(index, "lon", f"经度超出中国范围 {minx:g}–{maxx:g} / longitude outside China: "
                                             f"{lon:g} {hint}".rstrip()))
    if not lat_ok:
        problems.append(Reject(index, "lat", f"纬度超出中国范围 {miny:g}–{maxy:g} / latitude outside China: "
                                             f"{lat:g} {hint}".rstrip()))


def rows_as_json(batch: PositionBatch) -> Iterable[dict[str, Any]]:
    """The batch as report objects (for clients, tests and the benchmark)."""
    for plate, t, lon, lat, speed, heading in zip(*(c.tolist() for c in batch.columns()), strict=True):
        spec = "milliseconds" if t % 1000 else "seconds"
        yield {"plate": plate, "time": from_ms(t).astimezone(CST).isoformat(timespec=spec), "lon": lon, "lat": lat,
               "speed_kmh": speed, "heading_deg": heading}
