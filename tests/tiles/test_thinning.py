"""Thinning of one layer in one tile: drop-densest, drop-smallest, coalesce, feature limits, priority."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition, ThinningRule, TileSettings
from tiles.plan import plan_layer
from tiles.renderers.thinning import (
    POINT_COUNT,
    TileFeature,
    by_priority,
    coalesce,
    drop_densest,
    drop_smallest,
    thin,
)


def _layer(geometry_type: GeometryType = GeometryType.POINT, **tiles: object) -> LayerDefinition:
    return LayerDefinition(
        id="things", title_zh="测试", title_en="Things", domain="test", catalogue_code="T-1",
        geometry_type=geometry_type, max_zoom=14,
        fields=(FieldSpec(name="rank", type=FieldType.INTEGER, title_zh="等级"),
                FieldSpec(name="name", type=FieldType.STRING, title_zh="名称")),
        tiles=TileSettings(**tiles),
    )


def _point(fid: int, x: float, y: float, **props: object) -> TileFeature:
    return TileFeature(fid, Point(x, y), dict(props))


def test_priority_orders_by_keys_then_fid_with_nulls_last():
    features = [_point(5, 0, 0, rank=1), _point(2, 0, 0, rank=3), _point(9, 0, 0), _point(1, 0, 0, rank=1),
                _point(4, 0, 0, rank=3)]
    descending = by_priority(features, [("rank", False)])
    assert [f.fid for f in descending] == [2, 4, 1, 5, 9]  # ties by fid, a null is the lowest priority
    ascending = by_priority(features, [("rank", True)])
    assert [f.fid for f in ascending] == [1, 5, 2, 4, 9]  # ascending: nulls last
    assert [f.fid for f in by_priority(features, [])] == [1, 2, 4, 5, 9]


def test_priority_uses_later_keys_to_break_ties():
    features = [_point(1, 0, 0, rank=2, name="b"), _point(2, 0, 0, rank=2, name="a"), _point(3, 0, 0, rank=1)]
    assert [f.fid for f in by_priority(features, [("rank", False), ("name", True)])] == [2, 1, 3]


def test_drop_densest_keeps_the_first_feature_of_each_cell():
    cell = 32.0
    crowded = [_point(fid, 10 + fid, 10 + fid) for fid in range(1, 6)]  # all in cell (0, 0)
    alone = [_point(10, 100, 10), _point(11, 10, 100), _point(12, 4000, 4000)]
    kept = drop_densest([crowded[3], *alone, *crowded], cell)
    assert [f.fid for f in kept] == [4, 10, 11, 12]


def test_a_global_grid_puts_cells_where_the_neighbouring_tiles_put_them():
    # the tile's top-left corner is 10 units right of and 4096 + 20 units above a grid line (y up)
    origin = (64 * 100 + 10, 64 * 100 + 20)
    a, b, c = _point(1, 53, 19), _point(2, 55, 21), _point(3, 53, 30)
    # x: 10 + 53 = 63 and 10 + 55 = 65 straddle the line at 64; y up: 20 - 19 = 1 vs 20 - 30 = -10
    assert [f.fid for f in drop_densest([a, b, c], 64, origin)] == [1, 2, 3]
    assert [f.fid for f in drop_densest([a, b, c], 64)] == [1]  # the tile's own grid: one cell


def test_drop_densest_with_no_grid_keeps_everything():
    features = [_point(1, 1, 1), _point(2, 1, 1)]
    assert drop_densest(features, 0) == features


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-64, 4160), st.floats(-64, 4160)), min_size=1, max_size=200),
       st.sampled_from([16.0, 48.0, 256.0]))
def test_drop_densest_leaves_one_feature_in_every_occupied_cell(coords, cell):
    features = [_point(i + 1, x, y) for i, (x, y) in enumerate(coords)]
    kept = drop_densest(features, cell)

    def cell_of(f: TileFeature) -> tuple[int, int]:
        return int(np.floor(f.geometry.x / cell)), int(np.floor(f.geometry.y / cell))

    assert sorted(cell_of(f) for f in kept) == sorted({cell_of(f) for f in features})
    firsts = {}
    for f in features:
        firsts.setdefault(cell_of(f), f.fid)
    assert sorted(f.fid for f in kept) == sorted(firsts.values())


def test_drop_smallest_drops_lines_and_areas_under_the_size_but_never_points():
    tiny_line = TileFeature(1, LineString([(0, 0), (3, 2)]), {})
    long_line = TileFeature(2, LineString([(0, 0), (1, 50)]), {})
    tiny_area = TileFeature(3, box(10, 10, 13, 13), {})
    wide_area = TileFeature(4, box(10, 10, 100, 11), {})
    point = _point(5, 7, 7)
    kept = drop_smallest([tiny_line, long_line, tiny_area, wide_area, point], 16)
    assert [f.fid for f in kept] == [2, 4, 5]


def test_coalesce_merges_each_cell_into_one_point_at_the_mean_and_counts_add_up():
    features = [_point(3, 5, 5, rank=9), _point(1, 6, 6, rank=1), _point(2, 10, 8, rank=1),
                _point(7, 300, 300, rank=5), _point(8, 302, 302, rank=4), _point(9, 900, 50)]
    merged = coalesce(features, 64)
    assert [f.fid for f in merged] == [3, 7, 9]  # priority order of each cell's first member
    assert [f.properties[POINT_COUNT] for f in merged] == [3, 2, 1]
    assert merged[0].properties["rank"] == 9  # the first member's properties
    assert [(f.geometry.x, f.geometry.y) for f in merged] == [(7, 19 / 3), (301, 301), (900, 50)]


def test_coalesce_adds_up_counts_already_carried():
    features = [_point(1, 0, 0, **{POINT_COUNT: 4}), _point(2, 2, 2, **{POINT_COUNT: 2}), _point(3, 4, 4)]
    (merged,) = coalesce(features, 128)
    assert merged.properties[POINT_COUNT] == 7


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-64, 4160), st.floats(-64, 4160)), min_size=1, max_size=200))
def test_coalesced_counts_always_add_up(coords):
    features = [_point(i + 1, x, y) for i, (x, y) in enumerate(coords)]
    merged = coalesce(features, 144)
    assert sum(f.properties[POINT_COUNT] for f in merged) == len(features)
    assert len({f.fid for f in merged}) == len(merged)


def test_coalesce_applies_to_points_only_lines_drop_smallest():
    plan = plan_layer(_layer(GeometryType.LINESTRING, thinning=ThinningRule.COALESCE, full_detail_zoom=12), 6)
    small = TileFeature(1, LineString([(0, 0), (plan.min_size_units / 2, 0)]), {})
    large = TileFeature(2, LineString([(0, 0), (plan.min_size_units * 2, 0)]), {})
    result = thin([small, large], plan)
    assert [f.fid for f in result.features] == [2]
    assert POINT_COUNT not in result.features[0].properties


def test_thin_applies_the_rule_then_the_limit_in_priority_order():
    layer = _layer(priority=("-rank",), feature_limit=2, full_detail_zoom=12)
    plan = plan_layer(layer, 8)
    assert plan.thinning is ThinningRule.DROP_DENSEST
    features = [_point(1, 10, 10, rank=1), _point(2, 11, 11, rank=7),  # same cell: 2 wins
                _point(3, 1000, 1000, rank=3), _point(4, 2000, 2000, rank=5), _point(5, 3000, 3000, rank=4)]
    result = thin(features, plan)
    assert [f.fid for f in result.features] == [2, 4]  # 7, then 5 (4 and 3 over the limit)
    assert result.dropped == 3
    assert result.thinned


def test_thin_with_a_smaller_limit_keeps_a_prefix():
    plan = plan_layer(_layer(priority=("name",), full_detail_zoom=5), 10)
    assert plan.thinning is ThinningRule.NONE
    features = [_point(i, i * 100, 50, name=f"n{9 - i}") for i in range(1, 9)]
    full = thin(features, plan)
    assert not full.thinned
    assert [f.fid for f in full.features] == [8, 7, 6, 5, 4, 3, 2, 1]
    assert thin(features, plan, limit=3).features == full.features[:3]


def test_thin_at_full_detail_keeps_dense_points():
    plan = plan_layer(_layer(full_detail_zoom=10), 10)
    features = [_point(i, 5, 5) for i in range(1, 50)]
    result = thin(features, plan)
    assert len(result.features) == 49 and result.dropped == 0


def test_thin_drop_smallest_for_lines_below_full_detail():
    plan = plan_layer(_layer(GeometryType.LINESTRING, full_detail_zoom=12), 6)
    assert plan.thinning is ThinningRule.DROP_SMALLEST and plan.min_size_units > 0
    small = TileFeature(1, LineString([(0, 0), (plan.min_size_units / 2, 0)]), {})
    large = TileFeature(2, LineString([(0, 0), (plan.min_size_units * 2, 0)]), {})
    assert [f.fid for f in thin([small, large], plan).features] == [2]


def test_thin_coalesce_rule_from_the_layer_settings():
    layer = _layer(thinning=ThinningRule.COALESCE, full_detail_zoom=12)
    plan = plan_layer(layer, 4)
    features = [_point(i, 100 + (i % 3), 100) for i in range(1, 11)] + [_point(99, 3000, 3000)]
    result = thin(features, plan)
    assert sum(f.properties[POINT_COUNT] for f in result.features) == len(features)
    assert {f.fid for f in result.features} == {1, 99}
    assert result.dropped == 9


def test_thin_never_drops_more_than_asked_with_a_zero_grid():
    plan = dataclasses.replace(plan_layer(_layer(full_detail_zoom=12), 4), grid_units=0.0)
    features = [_point(i, 5, 5) for i in range(1, 4)]
    assert len(thin(features, plan).features) == 3
