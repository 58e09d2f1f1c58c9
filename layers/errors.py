"""Errors raised by the registry and the stores; `gis_server` maps each to an HTTP status."""

from __future__ import annotations


class OneMapError(Exception):
    """Base class. `message` is what a person reads (Chinese first, English beside)."""

    def __init__(self, message: str, *, field: str | None = None, parameter: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.parameter = parameter


class LayerNotFound(OneMapError):
    """No layer with that id (404)."""


class FeatureNotFound(OneMapError):
    """No feature with that id in the layer (404)."""


class LayerExists(OneMapError):
    """A layer with that id is already registered (409)."""


class VersionConflict(OneMapError):
    """The caller's expected feature version is not the stored one (412)."""

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class InvalidFeature(OneMapError):
    """A feature breaks the layer schema or the geometry rules (400); `field` names the culprit."""


class InvalidQuery(OneMapError):
    """A query (filter, bbox, sort, CRS, …) cannot be executed as asked (400); `parameter` names it."""


class StoreUnavailable(OneMapError):
    """The store cannot be reached or is not set up (503)."""
