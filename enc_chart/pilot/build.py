"""Build the pilot chart cell (Songhua, Fengman Dam – Wolongtan) from the sample inputs.

`build_pilot_cell(samples_dir)` reads `survey.tif` and `gauges.yaml`, derives the depth products
(`enc_chart.pilot.depths`), places the waterway features (`enc_chart.pilot.navigation`) and
returns an `enc_chart.cell.Cell` in the shared shape: one GeoDataFrame per object class, in
EPSG:4326 with coordinates rounded to 1e-7° (the S-57 coordinate unit), the record identity
columns and typed attribute columns. The same inputs always give the same cell.

May import: `enc_chart.cell`, `enc_chart.catalogue`, `enc_chart.pilot.*`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from rasterio.features import geometry_mask
from shapely.geometry import Point

from enc_chart.cell import Cell, CellInfo
from enc_chart.errors import ChartInputError
from enc_chart.pilot import navigation as nav
from enc_chart.pilot.depths import DepthProducts, derive
from enc_chart.pilot.frames import Feature, FrameMaker
from enc_chart.pilot.gauges import load_gauges
from enc_chart.pilot.reach import Reach, build_reach
from enc_chart.pilot.samples import GAUGES_FILE, SURVEY_FILE
from enc_chart.pilot.settings import SAMPLES_DIR, PilotSettings, load_settings
from enc_chart.pilot.survey import read_survey

#: FIDN = FIDN_BASE + object-class code (one FIDN per class; FIDS counts features).
FIDN_BASE = 20_260_000
#: Minimum display scale (1:SCAMIN) per class; SCAMIN is mandatory in Inland ENC 2.5.
SCAMIN = {"DEPCNT": 45_000, "SOUNDG": 22_000, "COALNE": 90_000, "FAIRWY": 90_000, "wtwaxs": 90_000,
          "dismar": 22_000, "boylat": 22_000, "bridge": 90_000, "DAMCON": 90_000, "wtwgag": 45_000,
          "OBSTRN": 45_000, "WRECKS": 45_000, "RESARE": 45_000}
#: What a gauge's levels mean (GDAL's tables do not know the text type T of sdrlev/vcrlev, so they go here).
GAUGE_INFORM = ("Levels in metres above the 1985 National Height Datum. sdrval: design lowest navigable level "
                "(chart datum of the depths); vcrval: design highest navigable level (reference of bridge clearances).")
GAUGE_NINFOM = ("高程基准：1985国家高程基准（米）。sdrval：设计最低通航水位（水深基准面）；"
                "vcrval：设计最高通航水位（桥梁净空起算面）。")
#: Quality of the (synthetic) survey over the whole coverage.
QUALITY = {"CATZOC": 2, "SURSTA": "20260601", "SUREND": "20260930", "TECSOU": "3",
           "INFORM": "Synthetic sample survey, not for navigation", "NINFOM": "合成示例测量数据，不得用于航行"}


def _to_lonlat(reach: Reach, geom: shapely.Geometry) -> shapely.Geometry:
    out = shapely.transform(geom, lambda xy: np.round(reach.to_lonlat(xy), 7))
    if out.is_valid:
        return out
    fixed = shapely.make_valid(out)
    polys = [g for g in shapely.get_parts(fixed) if g.geom_type == "Polygon"]
    return max(polys, key=lambda g: g.area) if len(polys) == 1 else shapely.MultiPolygon(polys)


def _parts(geom: shapely.Geometry) -> list[shapely.Geometry]:
    return [g for g in shapely.get_parts(geom) if not g.is_empty and (g.area > 0 or g.length > 0)]


def _least_depth(depth: np.ndarray, transform: object, area: shapely.Geometry) -> float:
    inside = ~geometry_mask([area], out_shape=depth.shape, transform=transform)
    values = depth[inside & ~np.isnan(depth)]
    return float(np.floor(values.min() * 10.0) / 10.0)


def _depth_features(reach: Reach, products: DepthProducts) -> dict[str, list[Feature]]:
    ll = lambda g: _to_lonlat(reach, g)  # noqa: E731
    return {
        "M_COVR": [(ll(products.coverage), {"CATCOV": 1})],
        "DEPARE": [(ll(p), {"DRVAL1": d1, "DRVAL2": d2}) for p, d1, d2 in products.depth_areas],
        "DEPCNT": [(ll(line), {"VALDCO": value}) for line, value in products.contours],
        "LNDARE": [(ll(p), {}) for p in products.land],
        "COALNE": [(ll(line), {}) for line in products.coastline],
    }


def _soundings(reach: Reach, products: DepthProducts) -> tuple[list[Feature], list[int]]:
    """Soundings (truncated to the decimetre, which keeps them inside their area's range) and their
    sounding-feature group: one SOUNDG feature per 2 km of chainage."""
    xyz = products.soundings
    lonlat = np.round(reach.to_lonlat(xyz[:, :2]), 7)
    depth = np.floor(xyz[:, 2] * 10.0 + 1e-6) / 10.0
    line = shapely.LineString(reach.xy)
    proj_cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(reach.xy, axis=0).T))])
    chain = np.interp(shapely.line_locate_point(line, shapely.points(xyz[:, :2])), proj_cum, reach.chainage)
    group = (chain // 2_000.0).astype(int)
    order = np.lexsort((lonlat[:, 1], lonlat[:, 0], group))
    groups = sorted(set(group.tolist()))
    renumber = {g: i for i, g in enumerate(groups)}
    features = [(Point(lonlat[i, 0], lonlat[i, 1], depth[i]), {"TECSOU": "3", "DEPTH": float(depth[i])})
                for i in order]
    return features, [renumber[int(group[i])] for i in order]


def build_pilot_cell(samples_dir: Path = SAMPLES_DIR, settings: PilotSettings | None = None) -> Cell:
    """The pilot chart as a `Cell` (raises ChartInputError, Chinese + English, on bad inputs)."""
    settings = settings or load_settings(samples_dir / "pilot.yaml")
    survey_path = samples_dir / SURVEY_FILE
    if not survey_path.exists():
        raise ChartInputError(f"缺少测量栅格 / survey raster not found: {survey_path}")
    depth, transform, epsg = read_survey(survey_path)
    if epsg != settings.survey_epsg:
        raise ChartInputError(f"测量栅格投影不符 / survey CRS EPSG:{epsg} is not EPSG:{settings.survey_epsg}")
    reach = build_reach(settings)
    products = derive(depth, transform, reach, settings)
    water = shapely.union_all([a[0] for a in products.depth_areas])
    ll = lambda g: _to_lonlat(reach, g)  # noqa: E731

    fairway_corridor = reach.axis_xy(400.0, reach.end_m).buffer(settings.fairway_half_width_m, cap_style="flat")
    least = _least_depth(depth, transform, shapely.intersection(fairway_corridor, water))
    classes: dict[str, list[Feature]] = _depth_features(reach, products)
    classes["M_NSYS"] = [(ll(g), p) for g, p in nav.buoyage(products.coverage)]
    classes["M_QUAL"] = [(ll(products.coverage), dict(QUALITY))]
    classes["wtwaxs"] = [(ll(g), p) for g, p in nav.axis(reach)]
    classes["FAIRWY"] = [(ll(g), p) for g, p in nav.fairway(reach, water, settings.fairway_half_width_m, least)]
    classes["dismar"] = [(Point(lon, lat), p) for lon, lat, p in nav.distance_marks(reach)]
    classes["boylat"] = [(ll(g), p) for g, p in nav.buoys(reach, settings.fairway_half_width_m)]
    classes["bridge"] = [(ll(g), p) for g, p in nav.bridges(reach)]
    classes["DAMCON"] = [(ll(g), p) for g, p in nav.dam(reach)]
    for acronym, items in nav.dangers(reach).items():
        classes[acronym] = [(ll(g), p) for g, p in items]
    classes["RESARE"] = [(ll(part), p) for g, p in nav.restricted_areas(reach, water) for part in _parts(g)]
    classes["wtwgag"] = [(Point(g.lon, g.lat), {
        "catgag": g.catgag, "unlocd": g.id, "OBJNAM": g.name_en, "NOBJNM": g.name_zh,
        "wtwdis": round(g.chainage_m / 1000.0, 3),
        "verdat": 31, "reflev": 5, "sdrval": g.chart_datum_m, "vcrval": g.highest_navigable_m,
        "meawat": g.mean_level_m, "INFORM": GAUGE_INFORM, "NINFOM": GAUGE_NINFOM,
    }) for g in load_gauges(samples_dir / GAUGES_FILE)]

    soundings, groups = _soundings(reach, products)
    classes["SOUNDG"] = soundings
    maker = FrameMaker(settings.agency, FIDN_BASE)
    for acronym, features in classes.items():
        scale = {"SCAMIN": SCAMIN[acronym]} if acronym in SCAMIN else {}
        maker.add(acronym, [(g, {**p, **scale}) for g, p in features],
                  fids_group=groups if acronym == "SOUNDG" else None)
    info = CellInfo(name=settings.cell_name, edition=settings.edition, update=settings.update,
                    issue_date=settings.issue_date, edition_date=settings.issue_date, agency=settings.agency)
    return Cell(info=info, layers=maker.frames)
