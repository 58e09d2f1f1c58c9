"""The pilot reach: the Songhua below Fengman Dam through Jilin City to Wolongtan.

The waterway axis (航道中心线) runs through hand-placed control points (`COURSE`): from Fengman
Dam (43°43′10″N 126°41′19″E) north-west for about 18 km, round the western bend by the Wende
River mouth, east along the south side of downtown Jilin (Linjiangmen, Jilin Bridge, Jiangwan),
then north along its east side under Longtan Mountain towards Hadawan. It is smoothed by a
centripetal Catmull–Rom spline and sampled every 10 m. The control points were placed from
the city's known layout (the bridges' order, Jiangwan Bridge 1.4 km below Jilin Bridge, the
river 300–400 m wide in town); they are plausible, not surveyed.

Chainage (里程) is the geodesic length (WGS 84) along the axis from the dam, in metres. The
water surface is a ribbon either side of the axis whose half-widths vary smoothly and lean to
the outer bank of each bend (the axis follows the deep water), with one mid-river island.
Work in metres happens in the survey CRS (CGCS2000 3° Gauss–Krüger CM 126°E, EPSG:4551).

May import: `enc_chart.pilot.settings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, Polygon

from enc_chart.errors import ChartInputError
from enc_chart.pilot.settings import PilotSettings

#: Fengman Dam (丰满大坝), chainage 0.
FENGMAN_DAM = (126.68861, 43.71944)
#: Control points of the waterway axis, downstream from the dam (lon, lat).
COURSE: tuple[tuple[float, float], ...] = (
    FENGMAN_DAM, (126.6815, 43.7262), (126.6700, 43.7360), (126.6540, 43.7450), (126.6350, 43.7535),
    (126.6150, 43.7640), (126.5960, 43.7760), (126.5780, 43.7870), (126.5600, 43.7960),
    (126.5420, 43.8040), (126.5270, 43.8130), (126.5180, 43.8240), (126.5220, 43.8340),
    (126.5340, 43.8395), (126.5480, 43.8390), (126.5600, 43.8375), (126.5740, 43.8395),
    (126.5840, 43.8470), (126.5880, 43.8580), (126.5890, 43.8700), (126.5860, 43.8820),
    (126.5800, 43.8930), (126.5720, 43.9040), (126.5620, 43.9140),
)
#: Longtan Mountain (龙潭山), on the right bank east of the river's northward stretch.
LONGTAN_MOUNTAIN = (126.6120, 43.8750)
SPACING_M = 10.0
GEOD = Geod(ellps="WGS84")
#: The island (江心岛): chainage of its centre (m), length and breadth (m).
ISLAND = (12_600.0, 700.0, 90.0)


@dataclass(frozen=True)
class Reach:
    """The axis (lon/lat vertices + chainage) and the water geometry, in metres (EPSG of settings)."""

    lonlat: np.ndarray  # N×2, lon/lat of the axis vertices, 7 decimals
    chainage: np.ndarray  # N, metres from the dam
    xy: np.ndarray  # N×2, the same vertices in the projected CRS
    left_m: np.ndarray  # N, distance from the axis to the left bank (facing downstream)
    right_m: np.ndarray  # N, distance from the axis to the right bank
    end_m: float  # chainage of Wolongtan, the end of the charted reach
    epsg: int

    @property
    def length_m(self) -> float:
        return float(self.chainage[-1])

    def point(self, chainage_m: float) -> tuple[float, float]:
        """Lon/lat of the axis at a chainage (linear between the 10 m vertices)."""
        lon = float(np.interp(chainage_m, self.chainage, self.lonlat[:, 0]))
        lat = float(np.interp(chainage_m, self.chainage, self.lonlat[:, 1]))
        return lon, lat

    def xy_at(self, chainage_m: float | np.ndarray) -> np.ndarray:
        c = np.asarray(chainage_m, dtype=float)
        return np.stack([np.interp(c, self.chainage, self.xy[:, 0]), np.interp(c, self.chainage, self.xy[:, 1])], -1)

    def frame_at(self, chainage_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(point, unit tangent downstream, unit normal to the left bank) in metres."""
        p0, p1 = self.xy_at(chainage_m - 5.0), self.xy_at(chainage_m + 5.0)
        tangent = (p1 - p0) / np.hypot(*(p1 - p0))
        return self.xy_at(chainage_m), tangent, np.array([-tangent[1], tangent[0]])

    def half_widths(self, chainage_m: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = np.asarray(chainage_m, dtype=float)
        return np.interp(c, self.chainage, self.left_m), np.interp(c, self.chainage, self.right_m)

    def offset_xy(self, chainage_m: float, offset_m: float) -> np.ndarray:
        """A point `offset_m` to the left (negative: right) of the axis, in metres."""
        p, _, normal = self.frame_at(chainage_m)
        return p + normal * offset_m

    def to_lonlat(self, xy: np.ndarray) -> np.ndarray:
        lon, lat = _transformer(self.epsg, 4326).transform(xy[..., 0], xy[..., 1])
        return np.stack([lon, lat], -1)

    def to_xy(self, lonlat: np.ndarray) -> np.ndarray:
        x, y = _transformer(4326, self.epsg).transform(lonlat[..., 0], lonlat[..., 1])
        return np.stack([x, y], -1)

    def axis_xy(self, start_m: float = 0.0, end_m: float | None = None) -> LineString:
        end_m = self.end_m if end_m is None else end_m
        inside = (self.chainage > start_m) & (self.chainage < end_m)
        return LineString(np.vstack([self.xy_at(start_m), self.xy[inside], self.xy_at(end_m)]))

    def axis_lonlat(self, start_m: float = 0.0, end_m: float | None = None) -> LineString:
        end_m = self.end_m if end_m is None else end_m
        inside = (self.chainage > start_m) & (self.chainage < end_m)
        ends = [np.round(self.point(c), 7) for c in (start_m, end_m)]
        return LineString(np.vstack([ends[0], self.lonlat[inside], ends[1]]))

    def chainage_of(self, lon: float, lat: float) -> float:
        """Chainage of the axis point nearest to (lon, lat) (geodesic along the axis)."""
        xy = self.to_xy(np.array([lon, lat]))
        line = LineString(self.xy)
        along = line.project(Point(xy))
        proj_cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(self.xy, axis=0).T))])
        return float(np.interp(along, proj_cum, self.chainage))

    def water_xy(self) -> Polygon:
        """The water surface from the dam (chainage 0) to Wolongtan, with the island cut out."""
        return _water(self)

    def island_xy(self) -> Polygon:
        centre_m, length, breadth = ISLAND
        left, _ = self.half_widths(centre_m)
        offset = float(left) - 40.0 - breadth / 2.0 - 60.0
        p, tangent, normal = self.frame_at(centre_m)
        t = np.linspace(0, 2 * np.pi, 73)[:-1]
        along, across = np.cos(t) * length / 2.0, np.sin(t) * breadth / 2.0
        pts = p + normal * offset + np.outer(along, tangent) + np.outer(across, normal)
        return Polygon(pts)

    def coverage_xy(self, corridor_m: float) -> Polygon:
        """The charted area: the axis from the dam's upstream face (−30 m) to Wolongtan, buffered."""
        start = self.xy[0] - self.frame_at(5.0)[1] * 30.0
        line = LineString(np.vstack([start, self.axis_xy().coords]))
        return line.buffer(corridor_m, cap_style="flat", quad_segs=8)


@cache
def _transformer(src: int, dst: int) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def _catmull_rom(points: np.ndarray, per_segment: int = 200) -> np.ndarray:
    """Centripetal Catmull–Rom spline through `points` (metres), densely sampled."""
    p = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        t0 = 0.0
        t1 = t0 + np.hypot(*(p1 - p0)) ** 0.5
        t2 = t1 + np.hypot(*(p2 - p1)) ** 0.5
        t3 = t2 + np.hypot(*(p3 - p2)) ** 0.5
        t = np.linspace(t1, t2, per_segment, endpoint=False)[:, None]
        a1 = (t1 - t) / (t1 - t0) * p0 + (t - t0) / (t1 - t0) * p1
        a2 = (t2 - t) / (t2 - t1) * p1 + (t - t1) / (t2 - t1) * p2
        a3 = (t3 - t) / (t3 - t2) * p2 + (t - t2) / (t3 - t2) * p3
        b1 = (t2 - t) / (t2 - t0) * a1 + (t - t0) / (t2 - t0) * a2
        b2 = (t3 - t) / (t3 - t1) * a2 + (t - t1) / (t3 - t1) * a3
        out.append((t2 - t) / (t2 - t1) * b1 + (t - t1) / (t2 - t1) * b2)
    out.append(points[-1:])
    return np.vstack(out)


def _resample(xy: np.ndarray, spacing: float) -> np.ndarray:
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    at = np.append(np.arange(0.0, cum[-1], spacing), cum[-1])
    return np.column_stack([np.interp(at, cum, xy[:, 0]), np.interp(at, cum, xy[:, 1])])


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    kernel = np.hanning(window)
    kernel /= kernel.sum()
    padded = np.pad(values, window // 2, mode="edge")
    return np.convolve(padded, kernel, mode="same")[window // 2: window // 2 + len(values)]


def _half_widths(xy: np.ndarray, chainage: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Left and right half-widths (m): 300–400 m wide in town, leaning to the outer bank of bends."""
    s = chainage
    width = 350.0 + 30.0 * np.sin(2 * np.pi * s / 6_700.0 + 0.8) + 20.0 * np.sin(2 * np.pi * s / 2_300.0 + 2.1)
    width += 40.0 * np.exp(-(s / 700.0) ** 2)  # the tailrace pool below the dam
    heading = np.unwrap(np.arctan2(*np.diff(xy, axis=0).T[::-1]))
    curvature = _smooth(np.gradient(np.append(heading, heading[-1])) / SPACING_M, 81)
    lean = 60.0 * np.tanh(curvature * 1_500.0)  # > 0 turning left: the deep water is by the right bank
    left, right = width / 2.0 + lean, width / 2.0 - lean
    centre_m, length, breadth = ISLAND
    left += (breadth + 150.0) * np.exp(-(((s - centre_m) / (0.75 * length)) ** 2))  # room for the island
    return left, right


def _water(reach: Reach) -> Polygon:
    keep = reach.chainage <= reach.end_m
    c = np.append(reach.chainage[keep], reach.end_m)
    pts = reach.xy_at(c)
    left, right = reach.half_widths(c)
    tangent = np.gradient(pts, axis=0)
    tangent /= np.hypot(*tangent.T)[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    ring = np.vstack([pts + normal * left[:, None], (pts - normal * right[:, None])[::-1]])
    water = shapely.make_valid(Polygon(ring))
    parts = sorted(shapely.get_parts(water), key=lambda g: -g.area)
    return Polygon(parts[0].exterior).difference(reach.island_xy())


@cache
def build_reach(settings: PilotSettings) -> Reach:
    """The reach for these settings (deterministic)."""
    to_xy = _transformer(4326, settings.survey_epsg)
    course = np.array(COURSE)
    x, y = to_xy.transform(course[:, 0], course[:, 1])
    dense = _resample(_catmull_rom(np.column_stack([x, y])), SPACING_M)
    lon, lat = _transformer(settings.survey_epsg, 4326).transform(dense[:, 0], dense[:, 1])
    lonlat = np.round(np.column_stack([lon, lat]), 7)
    lonlat[0] = FENGMAN_DAM
    chainage = np.concatenate([[0.0], np.cumsum(GEOD.line_lengths(lonlat[:, 0], lonlat[:, 1]))])
    if settings.wolongtan_chainage_m > chainage[-1] - 500.0:
        raise ChartInputError(f"卧龙潭里程超出航段 / Wolongtan chainage {settings.wolongtan_chainage_m} m is beyond "
                         f"the charted course ({chainage[-1]:.0f} m)")
    xx, yy = to_xy.transform(lonlat[:, 0], lonlat[:, 1])
    xy = np.column_stack([xx, yy])
    left, right = _half_widths(xy, chainage)
    return Reach(lonlat, chainage, xy, left, right, float(settings.wolongtan_chainage_m), settings.survey_epsg)
