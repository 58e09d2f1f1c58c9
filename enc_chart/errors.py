"""Errors of the chart package: bad chart input a person has to fix (Chinese first, English beside).

`ChartInputError` is a `layers.errors.OneMapError`, so the CLI and the web layer show its message
as they show every other user error. Subclasses say what kind of input was wrong.

May import: `layers.errors`.
"""

from __future__ import annotations

from pathlib import Path

from layers.errors import OneMapError


class ChartInputError(OneMapError):
    """A chart file, exchange set or update sequence that cannot be used as given."""


class CorruptCellError(ChartInputError):
    """A truncated or malformed ISO/IEC 8211 file, or one GDAL refuses to read."""

    def __init__(self, message: str, *, path: Path | None = None, record: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.record = record


class UpdateSequenceError(ChartInputError):
    """Update files out of sequence: a gap, a wrong edition, or an update of another cell."""


class CellNotNewer(ChartInputError):
    """The store already holds the same or a newer edition/update of the cell."""

    def __init__(self, message: str, *, same: bool) -> None:
        super().__init__(message)
        self.same = same
