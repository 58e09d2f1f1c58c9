"""The one error of field work: a package that cannot be read, trusted or synced as it is."""

from __future__ import annotations

from layers.errors import OneMapError


class FieldworkError(OneMapError):
    """A field package is not a GeoPackage, is truncated or corrupted, lacks a table, holds a bad
    edit row, or belongs to another person or server; raised before anything is written (400/422)."""
