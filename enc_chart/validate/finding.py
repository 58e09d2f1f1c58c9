"""What a check reports: `Finding`, and the table of checks (`CHECKS`) with their S-58 class.

A check id is the S-58 (Edition 6.1) check number where S-58 has one (`"519a"`, `"1768"`); checks
S-58 does not number (or whose number could not be confirmed) carry an `OM-` id. Severity follows
the S-58 class: C (critical) and E (error) are errors, W (warning) a warning.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import shapely
from shapely.geometry.base import BaseGeometry

Severity = Literal["error", "warning"]
S58Class = Literal["C", "E", "W"]


@dataclass(frozen=True)
class CheckSpec:
    check_id: str
    s58_class: S58Class
    title_zh: str
    title_en: str
    s58: bool = True  # False: a check of ours, no S-58 number

    @property
    def severity(self) -> Severity:
        return "warning" if self.s58_class == "W" else "error"


_SPECS = (
    CheckSpec("12", "C", "要素没有几何", "feature object without geometry"),
    CheckSpec("14", "C", "外边界与内边界共享多于一个节点", "exterior and interior boundaries share more than one node"),
    CheckSpec("15", "C", "面边界不闭合", "area boundary is not closed"),
    CheckSpec("16", "C", "面外边界不是顺时针", "area exterior boundary not encoded clockwise"),
    CheckSpec("17", "C", "面内边界不是逆时针", "area interior boundary not encoded counter-clockwise"),
    CheckSpec("80a", "C", "内边界位于另一内边界之内", "interior boundary within an interior boundary"),
    CheckSpec("80b", "C", "内边界不在外边界之内", "interior boundary outside of the exterior boundary"),
    CheckSpec("80c", "C", "外边界位于内边界之内", "exterior boundary within an interior boundary"),
    CheckSpec("524", "C", "深度单位不是米（DUNI≠1）", "DUNI does not equal 1 (metres)"),
    CheckSpec("525", "C", "定位精度单位不是米（PUNI≠1）", "PUNI does not equal 1 (metres)"),
    CheckSpec("1504", "C", "未填写垂直基准 VDAT", "VDAT is not populated"),
    CheckSpec("1510", "C", "未填写深度基准 SDAT", "SDAT is not populated"),
    CheckSpec("1513", "C", "高度单位不是米（HUNI≠1）", "HUNI does not equal 1 (metres)"),
    CheckSpec("505", "C", "缺少必需的元对象", "mandatory meta objects (M_COVR, M_NSYS, M_QUAL) missing"),
    CheckSpec("507", "C", "水上构筑物缺少净空属性", "clearance attribute missing on a structure over water"),
    CheckSpec("519a", "C", "第一组要素未覆盖数据覆盖范围（空隙）",
              "skin of the earth (Group 1) does not cover the data coverage (gap)"),
    CheckSpec("519b", "C", "第一组要素重叠", "skin of the earth (Group 1) objects overlap"),
    CheckSpec("533", "C", "更新文件填写了 DSID-UADT", "DSID-UADT populated in an update (ER) file"),
    CheckSpec("1522b", "C", "更新文件的 UADT 非空", "UADT is not null for an update"),
    CheckSpec("560a", "C", "共用 FOID 的要素类别或属性不同",
              "objects with the same FOID do not have the same feature encoding"),
    CheckSpec("560b", "C", "共用 FOID 的要素为点或几何类型不同",
              "objects with the same FOID are points or of different geometric primitives"),
    CheckSpec("1768", "E", "水深点浅于所在水深区的 DRVAL1", "sounding shoaler than DRVAL1 of its depth area"),
    CheckSpec("1769", "E", "水深点深于所在水深区的 DRVAL2（EXPSOU≠3）",
              "sounding deeper than DRVAL2 of its depth area (EXPSOU not 3)"),
    CheckSpec("OM-DRVAL", "C", "水深区深度范围错误", "depth range of a depth area wrong (DRVAL1/DRVAL2)", s58=False),
    CheckSpec("OM-DRVAL-EQUAL", "W", "水深区 DRVAL1 等于 DRVAL2", "depth area with DRVAL1 equal to DRVAL2", s58=False),
    CheckSpec("OM-VALUE-UNKNOWN", "W", "安全相关属性编码为未知（空值）",
              "safety-relevant attribute encoded as unknown (empty value)", s58=False),
    CheckSpec("OM-MANDATORY", "E", "缺少必填属性", "mandatory attribute missing", s58=False),
    CheckSpec("OM-MANDATORY-EDITION", "W", "缺少 Inland ENC 2.5 必填属性（图幅为其他产品或更早版次）",
              "attribute mandatory in Inland ENC 2.5 missing from a cell of another product or earlier edition",
              s58=False),
    CheckSpec("OM-MANDATORY-SCAMIN", "W", "缺少 SCAMIN（IENC 2.5 必填）",
              "SCAMIN missing (mandatory in Inland ENC 2.5)", s58=False),
    CheckSpec("OM-GEOM-INVALID", "C", "几何无效", "invalid geometry", s58=False),
    CheckSpec("OM-LINE-DEGENERATE", "C", "退化的线（少于两个不同的点）",
              "degenerate line (fewer than two distinct points)", s58=False),
    CheckSpec("OM-UPDATE-SEQ", "C", "更新序列不连续", "update sequence broken", s58=False),
    CheckSpec("OM-EXCHANGE-SET", "C", "交换集不一致（如校验和不符）",
              "exchange set inconsistent (e.g. checksum mismatch)", s58=False),
    CheckSpec("OM-READ", "C", "无法读取图幅", "cell cannot be read", s58=False),
)
CHECKS: dict[str, CheckSpec] = {spec.check_id: spec for spec in _SPECS}


@dataclass(frozen=True)
class Finding:
    """One violation: which check, which feature (class + LNAM/FOID/RCID), where, and why."""

    check_id: str
    severity: Severity
    message_zh: str
    message_en: str
    object_class: str | None = None
    lnam: str | None = None
    foid: str | None = None  # "AGEN-FIDN-FIDS"
    rcid: int | None = None
    lon: float | None = None
    lat: float | None = None
    cell: str | None = None

    @property
    def message(self) -> str:
        return f"{self.message_zh} / {self.message_en}"

    @property
    def s58_class(self) -> S58Class:
        return CHECKS[self.check_id].s58_class

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "s58_class": self.s58_class, "s58": CHECKS[self.check_id].s58}

    def in_cell(self, cell: str) -> Finding:
        return replace(self, cell=cell)


def finding(check_id: str, zh: str, en: str, *, feature: FeatureRef | None = None,
            at: BaseGeometry | tuple[float, float] | None = None) -> Finding:
    """A finding of a registered check; `at` (a geometry or lon/lat) gives the location, else the feature's."""
    spec = CHECKS[check_id]
    point = location(at) if at is not None else (feature.location if feature else None)
    ident = feature or FeatureRef()
    return Finding(check_id, spec.severity, zh, en, ident.object_class, ident.lnam, ident.foid, ident.rcid,
                   point[0] if point else None, point[1] if point else None)


@dataclass(frozen=True)
class FeatureRef:
    """Who a finding is about."""

    object_class: str | None = None
    lnam: str | None = None
    foid: str | None = None
    rcid: int | None = None
    location: tuple[float, float] | None = None

    @property
    def label(self) -> str:
        """Short text naming the feature in messages: `DEPARE 1810-12345-1`."""
        ident = self.foid or self.lnam or (f"RCID {self.rcid}" if self.rcid is not None else "?")
        return f"{self.object_class or '?'} {ident}"


def _int(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def foid_text(agen: int | None, fidn: int | None, fids: int | None) -> str | None:
    """"AGEN-FIDN-FIDS"; FIDN is an unsigned 32-bit number that GDAL returns as a signed one."""
    if agen is None or fidn is None or fids is None:
        return None
    return f"{agen}-{fidn % 2**32}-{fids}"


def feature_ref(object_class: str, row: Any) -> FeatureRef:
    """The identity of a GeoDataFrame row (a Series with GDAL's identity columns and `geometry`)."""
    get = row.get if hasattr(row, "get") else (lambda key, default=None: default)
    foid = foid_text(_int(get("AGEN")), _int(get("FIDN")), _int(get("FIDS")))
    lnam = get("LNAM")
    geometry = get("geometry")
    return FeatureRef(object_class, lnam if isinstance(lnam, str) and lnam else None, foid, _int(get("RCID")),
                      location(geometry) if isinstance(geometry, BaseGeometry) else None)


def location(at: BaseGeometry | tuple[float, float] | None) -> tuple[float, float] | None:
    """A lon/lat point for a geometry: the point itself, else a point on its surface (robust to invalid input)."""
    if at is None:
        return None
    if isinstance(at, tuple):
        return (float(at[0]), float(at[1]))
    if at.is_empty:
        return None
    if at.geom_type == "Point":
        return (at.x, at.y)
    try:
        point = shapely.point_on_surface(at) if at.is_valid else None
    except shapely.errors.GEOSException:
        point = None
    if point is None or point.is_empty:
        coords = shapely.get_coordinates(at)
        return (float(coords[0][0]), float(coords[0][1])) if len(coords) else None
    return (point.x, point.y)
