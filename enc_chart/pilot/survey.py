"""The synthetic bathymetric survey of the pilot reach (a GeoTIFF of depths below chart datum).

Depth at a point of the water depends on its chainage `s` and its place across the river
`u` (−1 right bank … 0 axis … +1 left bank): a thalweg depth that wanders between 2.4 and 6 m
(deeper in the scour pool below the dam), a cross-section that shallows to 0 at both shores,
a small deterministic ripple, crossing bars and side bars (shoals down to 0.4–1.7 m) and banks
that slope up to the island. Everything is a closed formula of `s` and `u` with phases drawn
from the settings' seed, so the raster is the same on every run. Land and the area outside the
chart carry nodata.

May import: `enc_chart.pilot.reach`, `enc_chart.pilot.settings`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
import shapely
from affine import Affine
from rasterio.features import rasterize

from enc_chart.errors import ChartInputError
from enc_chart.pilot.reach import Reach, build_reach
from enc_chart.pilot.settings import PilotSettings

NODATA = -9999.0
#: Shoals: (chainage m, place across u, half-length m, half-breadth in u, least depth m).
SHOALS: tuple[tuple[float, float, float, float, float], ...] = (
    (3_300.0, 0.55, 250.0, 0.25, 0.4),
    (6_400.0, 0.0, 300.0, 0.7, 1.7),
    (11_200.0, -0.15, 280.0, 0.5, 1.5),
    (17_600.0, 0.55, 380.0, 0.3, 0.7),
    (21_300.0, -0.6, 260.0, 0.25, 0.5),
    (25_000.0, 0.6, 300.0, 0.3, 0.6),
    (28_600.0, 0.05, 240.0, 0.5, 1.6),
)


def survey_grid(reach: Reach, settings: PilotSettings) -> tuple[Affine, int, int]:
    """Transform, width and height of the survey grid: the chart's coverage, snapped to the cell size."""
    res = settings.survey_resolution_m
    minx, miny, maxx, maxy = reach.coverage_xy(settings.land_corridor_m).bounds
    minx, miny = np.floor(minx / res) * res, np.floor(miny / res) * res
    maxx, maxy = np.ceil(maxx / res) * res, np.ceil(maxy / res) * res
    width, height = round((maxx - minx) / res), round((maxy - miny) / res)
    return Affine(res, 0.0, minx, 0.0, -res, maxy), width, height


def _across(reach: Reach, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chainage and place across the river (u in [−1, 1], positive to the left bank) of points."""
    a, b = reach.xy[:-1], reach.xy[1:]
    segments = shapely.linestrings(np.stack([a, b], axis=1))
    nearest = shapely.STRtree(segments).query_nearest(shapely.points(pts), return_distance=False, all_matches=False)
    point_i, seg = nearest[0], nearest[1]
    order = np.argsort(point_i)
    seg = seg[order]
    d = b[seg] - a[seg]
    length2 = (d ** 2).sum(axis=1)
    t = np.clip(((pts - a[seg]) * d).sum(axis=1) / length2, 0.0, 1.0)
    s = reach.chainage[seg] + t * (reach.chainage[seg + 1] - reach.chainage[seg])
    tangent = d / np.sqrt(length2)[:, None]
    rel = pts - (a[seg] + t[:, None] * d)
    offset = tangent[:, 0] * rel[:, 1] - tangent[:, 1] * rel[:, 0]
    left, right = reach.half_widths(s)
    u = np.where(offset >= 0, offset / left, offset / right)
    return s, np.clip(u, -1.0, 1.0)


def depth_model(s: np.ndarray, u: np.ndarray, settings: PilotSettings) -> np.ndarray:
    """Depth (m below chart datum) at chainage `s` and place across `u`."""
    phase = np.random.default_rng(settings.seed).uniform(0.0, 2 * np.pi, size=5)
    thalweg = (4.1 + 1.1 * np.sin(2 * np.pi * s / 7_300.0 + phase[0]) + 0.5 * np.sin(2 * np.pi * s / 2_900.0 + phase[1])
               + 1.8 * np.exp(-((s / 900.0) ** 2)))
    thalweg = np.clip(thalweg, 2.4, 6.0)
    shape = (1.0 - np.abs(u) ** 2.4) ** 0.85
    ripple = (0.10 * np.sin(s / 97.0 + 4.1 * u + phase[2]) + 0.07 * np.sin(s / 41.0 - 7.3 * u + phase[3])
              + 0.05 * np.sin(s / 29.0 + 11.0 * u + phase[4]))
    depth = (thalweg + ripple) * shape
    for s0, u0, ls, lu, least in SHOALS:
        weight = np.exp(-(((s - s0) / ls) ** 2) - ((u - u0) / lu) ** 2)
        depth = depth * (1.0 - weight) + np.minimum(depth, least) * weight
    return np.clip(depth, 0.0, None)


def generate_survey(settings: PilotSettings) -> tuple[np.ndarray, Affine]:
    """The depth grid (float32, NODATA off the water) and its transform in `settings.survey_epsg`."""
    reach = build_reach(settings)
    transform, width, height = survey_grid(reach, settings)
    water = rasterize([(reach.water_xy(), 1)], out_shape=(height, width), transform=transform, dtype="uint8") == 1
    rows, cols = np.nonzero(water)
    xs, ys = rasterio.transform.xy(transform, rows, cols)
    pts = np.column_stack([np.asarray(xs), np.asarray(ys)])
    s, u = _across(reach, pts)
    depth = depth_model(s, u, settings)
    island = reach.island_xy()
    near = shapely.distance(island.buffer(400.0).envelope, shapely.points(pts)) == 0
    depth[near] = np.minimum(depth[near], 0.05 * shapely.distance(island, shapely.points(pts[near])))
    grid = np.full((height, width), NODATA, dtype=np.float32)
    grid[rows, cols] = np.round(depth, 2).astype(np.float32)
    return grid, transform


def write_survey(path: Path, settings: PilotSettings) -> Path:
    grid, transform = generate_survey(settings)
    profile = {
        "driver": "GTiff", "dtype": "float32", "count": 1, "width": grid.shape[1], "height": grid.shape[0],
        "crs": f"EPSG:{settings.survey_epsg}", "transform": transform, "nodata": NODATA,
        "compress": "deflate", "zlevel": 9, "predictor": 3, "tiled": True, "blockxsize": 512, "blockysize": 512,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(grid, 1)
        dst.update_tags(DESCRIPTION="松花江丰满—卧龙潭段合成水深测量 / synthetic survey, Songhua pilot reach",
                        UNITS="metres below chart datum (positive down)", SYNTHETIC="yes")
        dst.set_band_description(1, "depth")
    return path


def read_survey(path: Path) -> tuple[np.ndarray, Affine, int]:
    """(depth grid with NaN off the water, transform, EPSG code) of a survey GeoTIFF."""
    with rasterio.open(path) as src:
        if src.crs is None or src.crs.to_epsg() is None:
            raise ChartInputError(f"测量栅格缺少投影 / survey raster {path} has no EPSG CRS")
        band = src.read(1, masked=True).astype("float64")
        return band.filled(np.nan), src.transform, int(src.crs.to_epsg())
