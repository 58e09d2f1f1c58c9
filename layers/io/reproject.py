"""Which CRS a source is in, and bringing its geometries into storage (EPSG:4490, lon/lat).

The CRS comes from the file (GDAL reports it; ESRI `.prj` text is matched to an EPSG code) unless
the user names one (`--source-crs EPSG:4551`). Only the CRS in `layers.crs.IMPORT_SRIDS` are
accepted: WGS 84, CGCS2000, Web Mercator and the CGCS2000 Gauss–Krüger zones EPSG:4491–4554;
anything else is a clear error, never a silent guess. GCJ-02 ("Mars") coordinates from
commercial Chinese maps are corrected after the datum step (`from_gcj02`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from layers.crs import IMPORT_SRIDS, same_coordinates, transformer
from layers.errors import InvalidQuery
from layers.io.gcj02 import geometries_from_gcj02
from layers.query import STORAGE_SRID

ObjectArray = npt.NDArray[np.object_]

#: Source CRS whose coordinates may be GCJ-02 obfuscated (geographic, or Web Mercator of GCJ-02 lon/lat).
GCJ02_SRIDS = frozenset({4326, 4490, 3857})
_SUPPORTED = "EPSG:4326, EPSG:4490, EPSG:3857, EPSG:4491–4554"


class CrsError(InvalidQuery):
    """The source CRS is unknown, unreadable or not one imports accept; `parameter` is `source-crs`."""


def parse_srid(value: str) -> int:
    """`EPSG:4551`, `epsg:4551`, `4551` or an EPSG URI → 4551, if imports accept it."""
    text = value.strip()
    code = text.rsplit("/", 1)[-1] if "/" in text else text.split(":", 1)[-1]
    if not code.isdigit():
        raise CrsError(f"无法识别的坐标系写法 / cannot read CRS {value!r}; write it as EPSG:4490",
                       parameter="source-crs")
    return _accepted(int(code), value)


def identify_srid(declared: str) -> int | None:
    """The EPSG code of a CRS given as GDAL reports it (EPSG:xxxx or WKT/ESRI WKT), if recognisable."""
    try:
        crs = CRS.from_user_input(declared)
    except CRSError:
        return None
    authority = crs.to_authority(min_confidence=70)
    if authority is not None and authority[0] == "OGC" and authority[1] in ("CRS84", "CRS83"):
        return 4326 if authority[1] == "CRS84" else None
    code = crs.to_epsg(min_confidence=70)
    if code is None and authority is not None and authority[0] == "EPSG":
        code = int(authority[1])
    return code


def source_srid(declared: str | None, override: str | None, *, default: int | None = None) -> int:
    """The accepted EPSG code of a source: the override, else what the file declares, else `default`."""
    if override:
        return parse_srid(override)
    if declared:
        code = identify_srid(declared)
        if code is None:
            name = _crs_name(declared)
            raise CrsError(f"无法识别源文件的坐标系 {name}，请用 --source-crs 指定 / cannot identify the "
                           f"source CRS {name}; name it with --source-crs (supported: {_SUPPORTED})",
                           parameter="source-crs")
        return _accepted(code, f"EPSG:{code}")
    if default is not None:
        return default
    raise CrsError(f"源文件未声明坐标系，请用 --source-crs 指定 / the source declares no CRS; name it with "
                   f"--source-crs (supported: {_SUPPORTED})", parameter="source-crs")


@dataclass(frozen=True, slots=True)
class Reprojector:
    """Source geometries (array) → EPSG:4490 lon/lat, GCJ-02 corrected if asked; one vectorized pass."""

    source_srid: int
    from_gcj02: bool = False

    def __post_init__(self) -> None:
        if self.from_gcj02 and self.source_srid not in GCJ02_SRIDS:
            raise CrsError(f"GCJ-02 纠偏只适用于经纬度或 Web 墨卡托坐标 / --from-gcj02 applies to lon/lat or "
                           f"Web Mercator sources, not EPSG:{self.source_srid}", parameter="from-gcj02")

    def __call__(self, geometries: ObjectArray) -> ObjectArray:
        result = geometries
        if not same_coordinates(self.source_srid, STORAGE_SRID):
            tr = transformer(self.source_srid, STORAGE_SRID)

            def project(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
                x, y = tr.transform(xy[:, 0], xy[:, 1])
                return np.column_stack((x, y))

            result = np.asarray(shapely.transform(result, project), dtype=object)
        if self.from_gcj02:
            result = geometries_from_gcj02(result)
        return result


def _accepted(code: int, shown: str) -> int:
    if code not in IMPORT_SRIDS:
        raise CrsError(f"不支持的源坐标系 {shown} / unsupported source CRS {shown}; supported: {_SUPPORTED}",
                       parameter="source-crs")
    return code


def _crs_name(declared: str) -> str:
    try:
        return repr(CRS.from_user_input(declared).name)
    except CRSError:
        return repr(declared[:80])
