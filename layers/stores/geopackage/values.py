"""Field values between Python and GeoPackage storage, and the SQLAlchemy types that apply them.

GeoPackage keeps dates as ISO text ``YYYY-MM-DD`` and date-times as ISO 8601 UTC text
``YYYY-MM-DDTHH:MM:SS.sssZ`` (so text order is time order), booleans as 0/1. Naive
date-times are read as UTC (validated features always carry an offset).

May import: sqlalchemy, layers.model.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from layers.model import FieldType

#: GeoPackage column type names per field type.
GPKG_TYPES: dict[FieldType, str] = {
    FieldType.STRING: "TEXT",
    FieldType.INTEGER: "INTEGER",
    FieldType.NUMBER: "REAL",
    FieldType.BOOLEAN: "BOOLEAN",
    FieldType.DATE: "DATE",
    FieldType.DATETIME: "DATETIME",
}


def format_datetime(value: datetime) -> str:
    """An instant → ``YYYY-MM-DDTHH:MM:SS.sssZ`` (UTC, milliseconds)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    utc = value.astimezone(UTC)
    return (f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}."
            f"{utc.microsecond // 1000:03d}Z")


def parse_datetime(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_date(value: date) -> str:
    if isinstance(value, datetime):
        value = (value if value.tzinfo is None else value.astimezone(UTC)).date()
    return value.isoformat()


def to_db(kind: FieldType, value: Any) -> Any:
    """A validated Python value → what the column stores."""
    if value is None:
        return None
    if kind is FieldType.BOOLEAN:
        return 1 if value else 0
    if kind is FieldType.DATE:
        return format_date(value) if isinstance(value, date) else str(value)
    if kind is FieldType.DATETIME:
        return format_datetime(value) if isinstance(value, datetime) else str(value)
    if kind is FieldType.INTEGER:
        return int(value)
    if kind is FieldType.NUMBER:
        return float(value)
    return str(value)


def from_db(kind: FieldType, value: Any) -> Any:
    """A stored value → the Python value a `StoredFeature` carries."""
    if value is None:
        return None
    if kind is FieldType.BOOLEAN:
        return bool(value)
    if kind is FieldType.DATE:
        return date.fromisoformat(str(value)[:10])
    if kind is FieldType.DATETIME:
        return parse_datetime(str(value))
    if kind is FieldType.NUMBER:
        return float(value)
    return value


class _Stored(TypeDecorator[Any]):
    """Binds Python values (or already-formatted text) through `to_db`, reads through `from_db`."""

    impl = sa.String
    cache_ok = True
    kind: FieldType = FieldType.STRING

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, str):
            return value
        return to_db(self.kind, value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return from_db(self.kind, value)


class GpkgDate(_Stored):
    cache_ok = True
    kind = FieldType.DATE


class GpkgDateTime(_Stored):
    cache_ok = True
    kind = FieldType.DATETIME


class GpkgBoolean(TypeDecorator[Any]):
    impl = sa.Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else int(bool(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else bool(value)


def column_type(kind: FieldType) -> sa.types.TypeEngine[Any]:
    """The SQLAlchemy type a field's column is bound and read with."""
    if kind is FieldType.DATE:
        return GpkgDate()
    if kind is FieldType.DATETIME:
        return GpkgDateTime()
    if kind is FieldType.BOOLEAN:
        return GpkgBoolean()
    if kind is FieldType.INTEGER:
        return sa.Integer()
    if kind is FieldType.NUMBER:
        return sa.Float()
    return sa.String()


_TRUE = frozenset({"true", "1", "t", "yes", "y", "是"})
_FALSE = frozenset({"false", "0", "f", "no", "n", "否"})


def filter_value(kind: FieldType, value: Any) -> Any:
    """A value from a property-equality filter (often query-string text) → the field's Python type.

    Raises ValueError when the text cannot be read as that type.
    """
    if value is None:
        return None
    if kind is FieldType.STRING:
        return str(value)
    if kind is FieldType.INTEGER:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"not an integer: {value!r}")
        return int(value) if not isinstance(value, str) else int(value.strip())
    if kind is FieldType.NUMBER:
        if isinstance(value, bool):
            raise ValueError(f"not a number: {value!r}")
        return float(value)
    if kind is FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ValueError(f"not a boolean: {value!r}")
    if kind is FieldType.DATE:
        if isinstance(value, date):
            return value
        return date.fromisoformat(str(value).strip()[:10])
    if isinstance(value, datetime):
        return value
    return parse_datetime(str(value).strip().replace("z", "Z"))
