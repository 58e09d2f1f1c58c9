"""CQL2 time literals: parsing, normalising and turning them into bounds on a date or datetime column.

Normalised literal forms (all valid CQL2 JSON, what `parse_filter` returns):

- ``{"date": "YYYY-MM-DD"}`` — a calendar day;
- ``{"timestamp": "YYYY-MM-DDTHH:MM:SS[.ffffff]Z"}`` — an instant, always in UTC;
- ``{"interval": [end, end]}`` — each end a date string, a UTC timestamp string or ``".."`` (open).

A time without an offset is China Standard Time (`layers.validation.CHINA_TZ`), the time every
user here means. Comparisons happen on instants in UTC, or on calendar days for date columns:

- on a **datetime** column a date means the whole day in China time, ``[00:00+08, next 00:00+08)``;
- on a **date** column a timestamp means its calendar day in China time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from layers.errors import InvalidQuery
from layers.model import FieldType
from layers.validation import CHINA_TZ, china_day

OPEN = ".."
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Bounds:
    """The values a literal covers on one column. `start` is inclusive; `None` means open."""

    start: date | None
    end: date | None
    end_inclusive: bool = True


def _error(message: str) -> InvalidQuery:
    return InvalidQuery(message, parameter="filter")


def parse_date(text: Any) -> date:
    """``YYYY-MM-DD`` → date; anything else → InvalidQuery."""
    if not isinstance(text, str) or not _DATE_ONLY.match(text.strip()):
        raise _error(f"日期格式错误 / not a date (YYYY-MM-DD): {text!r}")
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise _error(f"日期无效 / invalid date {text!r}: {exc}") from exc


def parse_timestamp(text: Any) -> datetime:
    """An RFC 3339 / ISO 8601 date-time (a bare date means its 00:00) → aware UTC datetime."""
    if not isinstance(text, str) or not text.strip():
        raise _error(f"时间格式错误 / not a timestamp: {text!r}")
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _error(f"时间格式错误 / not an ISO 8601 timestamp: {text!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA_TZ)
    return parsed.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


def _instant_or_day(text: str) -> date:
    """An interval end or a bare string: a date if it is only a date, else a UTC instant."""
    if isinstance(text, str) and _DATE_ONLY.match(text.strip()):
        return parse_date(text)
    return parse_timestamp(text)


def _format(value: date) -> str:
    return format_timestamp(value) if isinstance(value, datetime) else value.isoformat()


def _interval_end(value: Any) -> str:
    if value == OPEN or value == "":
        return OPEN
    if isinstance(value, dict) and "date" in value:
        return parse_date(value["date"]).isoformat()
    if isinstance(value, dict) and "timestamp" in value:
        return format_timestamp(parse_timestamp(value["timestamp"]))
    if isinstance(value, str):
        return _format(_instant_or_day(value))
    raise _error(f"时间区间端点只能是日期、时间或 '..' / interval ends must be dates, timestamps or '..': "
                 f"{value!r}")


def is_time_literal(node: Any) -> bool:
    return isinstance(node, dict) and len(node) == 1 and next(iter(node)) in ("date", "timestamp", "interval")


def normalize_literal(node: Any, *, allow_interval: bool) -> dict[str, Any]:
    """A CQL2 time literal (or an ISO string) → its normalised JSON form (see the module docstring)."""
    if isinstance(node, str):
        value = _instant_or_day(node)
        return {"timestamp": _format(value)} if isinstance(value, datetime) else {"date": _format(value)}
    if not is_time_literal(node):
        raise _error(f"需要时间值（DATE、TIMESTAMP 或 INTERVAL）/ expected a time literal "
                     f"(DATE, TIMESTAMP or INTERVAL), got {node!r}")
    if "date" in node:
        return {"date": parse_date(node["date"]).isoformat()}
    if "timestamp" in node:
        return {"timestamp": format_timestamp(parse_timestamp(node["timestamp"]))}
    if not allow_interval:
        raise _error("此处不能使用时间区间 / an INTERVAL cannot be used here; use a DATE or TIMESTAMP")
    ends = node["interval"]
    if not isinstance(ends, list) or len(ends) != 2:
        raise _error(f"时间区间需要两个端点 / INTERVAL needs exactly two ends: {ends!r}")
    start, end = (_interval_end(v) for v in ends)
    if start != OPEN and end != OPEN:
        covered = bounds({"interval": [start, end]}, FieldType.DATETIME)
        lo, hi = covered.start, covered.end
        if lo is not None and hi is not None and (lo > hi or (lo == hi and not covered.end_inclusive)):
            raise _error(f"时间区间起点晚于终点 / INTERVAL starts after it ends: {start} > {end}")
    return {"interval": [start, end]}


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=CHINA_TZ).astimezone(UTC)


def _end_bounds(text: str, column: FieldType, *, is_start: bool) -> tuple[date | None, bool]:
    """One interval end on a column: (value, inclusive)."""
    if text == OPEN:
        return None, True
    value = _instant_or_day(text)
    if column is FieldType.DATE:
        return (china_day(value) if isinstance(value, datetime) else value), True
    if isinstance(value, datetime):
        return value, True
    if is_start:
        return _day_start(value), True
    return _day_start(value + timedelta(days=1)), False


def bounds(literal: dict[str, Any], column: FieldType) -> Bounds:
    """The range a normalised literal covers on a date or datetime column (see the module docstring)."""
    if "interval" in literal:
        start_text, end_text = literal["interval"]
        start, _ = _end_bounds(start_text, column, is_start=True)
        end, inclusive = _end_bounds(end_text, column, is_start=False)
        return Bounds(start, end, inclusive)
    text = literal.get("date", literal.get("timestamp"))
    start, _ = _end_bounds(text, column, is_start=True)
    end, inclusive = _end_bounds(text, column, is_start=False)
    return Bounds(start, end, inclusive)


_TOKEN = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|[A-Za-z_][A-Za-z0-9_]*|\S")
_NAIVE_TIME = re.compile(r"^'\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?'$")


def naive_text_times_as_china_time(text: str) -> str:
    """CQL2 text with ``+08:00`` added to TIMESTAMP/INTERVAL date-times that have no offset.

    The `cql2` parser reads such times as UTC; here they are China time like everywhere else.
    """
    tokens = list(_TOKEN.finditer(text))
    naive: list[re.Match[str]] = []
    for i, token in enumerate(tokens):
        if token.group().upper() not in ("TIMESTAMP", "INTERVAL") or i + 2 >= len(tokens):
            continue
        if tokens[i + 1].group() != "(":
            continue
        candidates = [tokens[i + 2]]
        if token.group().upper() == "INTERVAL" and i + 4 < len(tokens) and tokens[i + 3].group() == ",":
            candidates.append(tokens[i + 4])
        naive.extend(t for t in candidates if _NAIVE_TIME.match(t.group()))
    for token in reversed(naive):
        text = text[: token.end() - 1] + "+08:00" + text[token.end() - 1:]
    return text


__all__ = ["OPEN", "Bounds", "bounds", "format_timestamp", "is_time_literal", "naive_text_times_as_china_time",
           "normalize_literal",
           "parse_date", "parse_timestamp"]
