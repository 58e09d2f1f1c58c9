"""Deadlines: when an item must leave the state it enters, and the clock the engine reads.

A state's deadline is `time_limit_hours` after entering it, or the item's own value of the state's
`deadline_field` (a date means the end of that day, China Standard Time: 24:00, i.e. the next
day's 00:00, the same convention as `domains.framework.histories`); terminal states and
states with neither have no deadline. Times are kept to whole milliseconds (what both stores keep).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from layers.workflow import WorkflowState

CHINA = timezone(timedelta(hours=8))


def utc_now() -> datetime:
    """Now, in UTC, to the millisecond."""
    return to_millisecond(datetime.now(UTC))


def to_millisecond(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def as_deadline(value: Any) -> datetime | None:
    """A date (end of that day, China time) or a date-time → an aware UTC instant."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_millisecond(value)
    if isinstance(value, date):
        return datetime.combine(value + timedelta(days=1), time(0), tzinfo=CHINA).astimezone(UTC)
    return None


def deadline_for(state: WorkflowState, properties: Mapping[str, Any], entered: datetime) -> datetime | None:
    """The deadline an item entering `state` at `entered` gets."""
    if state.terminal:
        return None
    if state.time_limit_hours is not None:
        return to_millisecond(entered + timedelta(hours=state.time_limit_hours))
    if state.deadline_field is not None:
        return as_deadline(properties.get(state.deadline_field))
    return None


def is_overdue(deadline: datetime | None, now: datetime, *, terminal: bool = False) -> bool:
    return not terminal and deadline is not None and deadline < now


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600.0
