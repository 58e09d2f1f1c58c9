"""The committed sample inputs of the pilot chart: what they hold, and that the generator remakes them."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from itertools import pairwise

import numpy as np
import pytest
import rasterio
import yaml

from enc_chart.pilot.gauges import load_gauges
from enc_chart.pilot.reach import build_reach
from enc_chart.pilot.samples import GAUGES_FILE, READINGS_FILE, SURVEY_FILE, write_samples
from enc_chart.pilot.settings import SAMPLES_DIR, load_settings
from enc_chart.pilot.survey import NODATA, read_survey


@pytest.fixture(scope="module")
def survey():
    return read_survey(SAMPLES_DIR / SURVEY_FILE)


def test_the_survey_is_a_small_compressed_projected_geotiff():
    path = SAMPLES_DIR / SURVEY_FILE
    assert path.stat().st_size < 2_000_000
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 4551  # CGCS2000 / 3-degree Gauss-Kruger CM 126E
        assert src.res == (5.0, 5.0) and src.nodata == NODATA
        assert src.compression is not None and src.dtypes == ("float32",)


def test_depths_are_a_plausible_river_channel(survey):
    depth, transform, _ = survey
    settings = load_settings()
    reach = build_reach(settings)
    water = ~np.isnan(depth)
    assert np.nanmin(depth) == 0.0  # banks shallow to the shore
    # along the waterway axis (the navigable channel) depths stay within 1.5–6.1 m
    c = np.arange(400.0, reach.end_m - 50.0, 25.0)
    xy = reach.xy_at(c)
    rows, cols = rasterio.transform.rowcol(transform, xy[:, 0], xy[:, 1])
    on_axis = depth[np.asarray(rows), np.asarray(cols)]
    assert not np.isnan(on_axis).any()
    assert 1.4 <= on_axis.min() <= 1.8 and 5.0 <= on_axis.max() <= 6.2
    # shoals: some water away from the banks is under 1 m deep
    assert (water & (depth < 1.0)).sum() > 1000
    # the water's area is the reach's: about 30 km × 300–400 m
    area_km2 = water.sum() * 25.0 / 1e6
    assert 9.0 < area_km2 < 13.0


def test_gauges_have_chinese_names_and_datums_falling_downstream():
    gauges = load_gauges(SAMPLES_DIR / GAUGES_FILE)
    assert 3 <= len(gauges) <= 4
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in g.name_zh) for g in gauges)
    chain = [g.chainage_m for g in gauges]
    assert chain == sorted(chain) and chain[-1] <= load_settings().wolongtan_chainage_m
    datum = [g.chart_datum_m for g in gauges]
    assert datum == sorted(datum, reverse=True)
    assert all(g.highest_navigable_m > g.mean_level_m > g.chart_datum_m for g in gauges)
    doc = yaml.safe_load((SAMPLES_DIR / GAUGES_FILE).read_text(encoding="utf-8"))
    assert "1985" in doc["datum"]


def test_readings_are_hourly_and_between_the_reference_levels():
    gauges = {g.id: g for g in load_gauges(SAMPLES_DIR / GAUGES_FILE)}
    with (SAMPLES_DIR / READINGS_FILE).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_gauge: dict[str, list[tuple[datetime, float]]] = {}
    for row in rows:
        by_gauge.setdefault(row["gauge_id"], []).append((datetime.fromisoformat(row["time"]), float(row["level_m"])))
    assert set(by_gauge) == set(gauges)
    for gid, series in by_gauge.items():
        times = [t for t, _ in series]
        assert len(times) >= 48 and all(b - a == timedelta(hours=1) for a, b in pairwise(times))
        assert times[0].utcoffset() == timedelta(hours=8)
        levels = np.array([v for _, v in series])
        assert (levels > gauges[gid].chart_datum_m).all() and (levels < gauges[gid].highest_navigable_m).all()


def test_the_generator_remakes_the_committed_samples(tmp_path, survey):
    write_samples(tmp_path, load_settings())
    depth, transform, epsg = read_survey(tmp_path / SURVEY_FILE)
    np.testing.assert_array_equal(depth, survey[0])
    assert (transform, epsg) == survey[1:]
    for name in (GAUGES_FILE, READINGS_FILE):
        assert (tmp_path / name).read_bytes() == (SAMPLES_DIR / name).read_bytes()
