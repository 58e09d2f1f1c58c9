"""What a store is asked: one page of features, and the CRS the answer is wanted in.

Every coordinate in a `FeatureQuery` (bbox, filter geometries) is already in the storage CRS
(EPSG:4490) in longitude/latitude order; the API layer converts what clients send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

STORAGE_SRID = 4490

#: CRS that are the same coordinates as CGCS2000 for this platform's purposes: PROJ's only
#: transformation between CGCS2000 and WGS 84 is a ballpark (null) one, so no arithmetic applies.
GEOGRAPHIC_SRIDS = frozenset({4490, 4326})


@dataclass(frozen=True, slots=True)
class OutputCrs:
    """The CRS of the coordinates a store writes out, and whether latitude comes first."""

    srid: int = 4326
    lat_first: bool = False

    @property
    def is_storage_equivalent(self) -> bool:
        return self.srid in GEOGRAPHIC_SRIDS


CRS84 = OutputCrs(4326, lat_first=False)


@dataclass(frozen=True, slots=True)
class TimeInterval:
    """A closed interval; `None` on a side means open (`..`). An instant has start == end."""

    start: datetime | None
    end: datetime | None


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    ascending: bool = True


@dataclass(frozen=True, slots=True)
class FeatureQuery:
    bbox: tuple[float, float, float, float] | None = None
    interval: TimeInterval | None = None
    equals: tuple[tuple[str, Any], ...] = ()
    cql: dict[str, Any] | None = None
    sortby: tuple[SortKey, ...] = ()
    limit: int = 10
    offset: int = 0
    crs: OutputCrs = CRS84
    properties: tuple[str, ...] | None = None
    skip_geometry: bool = False
    count: bool = True


@dataclass(frozen=True, slots=True)
class FeaturePage:
    """One page: `features_json` is a UTF-8 JSON array of GeoJSON Feature objects, ready to send."""

    number_matched: int | None
    number_returned: int
    features_json: bytes


@dataclass(frozen=True, slots=True)
class StoredFeature:
    """One feature as a store holds it, its geometry as GeoJSON in the requested output CRS."""

    fid: int
    version: int
    geometry: dict[str, Any] | None
    properties: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None

    def to_geojson(self) -> dict[str, Any]:
        return {"type": "Feature", "id": self.fid, "geometry": self.geometry, "properties": self.properties}


@dataclass(frozen=True, slots=True)
class LayerState:
    """What changes as data is written: a data version (bumped by every write), counts and extents."""

    layer_id: str
    data_version: int
    feature_count: int
    bbox: tuple[float, float, float, float] | None
    time_extent: tuple[datetime | None, datetime | None] | None
