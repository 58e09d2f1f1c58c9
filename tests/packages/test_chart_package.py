"""The Songhua pilot chart in an offline package (issue 4 point 7): its layers are ordinary layers,
so a waterway crew's package of the reach carries them — depth areas, buoys, bridges in the tiles,
and the chart layers drawn by the package's own style."""

from __future__ import annotations

import gzip
from pathlib import Path

import mapbox_vector_tile
import orjson
import pytest

from enc_chart.importer import import_cell
from enc_chart.pilot.build import build_pilot_cell
from layers.registry import LayerRegistry
from layers.stores import open_store
from tiles.packages.build import build_package
from tiles.packages.container import open_package
from tiles.packages.inspect import verify_package
from tiles.packages.requests import build_request
from tiles.packages.style import STYLE_PART

#: Fengman Dam to Jilin City (the reach's first ~15 km), lon/lat.
REACH = "126.50,43.70,126.72,43.90"
CHART = ("enc_depare", "enc_i_boylat", "enc_i_bridge")


@pytest.mark.parametrize("fmt", ["mbtiles", "pmtiles"])
def test_a_package_of_the_reach_carries_the_chart(gpkg_url: str, tmp_path: Path, fmt: str) -> None:
    store = open_store(gpkg_url)
    try:
        registry = LayerRegistry(store)
        import_cell(store, build_pilot_cell(), registry=registry)
        layers = {layer.id for layer in registry.all()}
        assert set(CHART) <= layers
        request = build_request(area=REACH, zooms="11-13", layers=",".join(CHART), fmt=fmt,
                                out=tmp_path / f"reach.{fmt}", builder="航道处", store=store,
                                registered=registry.all())
        report = build_package(request, gpkg_url, workers=2)
    finally:
        store.close()
    assert report.path is not None and verify_package(report.path) == []
    found: set[str] = set()
    with open_package(report.path) as reader:
        for _, _, _, data in reader.tiles():
            found |= set(mapbox_vector_tile.decode(gzip.decompress(data)))
        style = orjson.loads(reader.file(STYLE_PART) or b"{}")
    assert found == set(CHART)  # every chart layer has features in the package's tiles
    drawn = {layer.get("source-layer") for layer in style["layers"] if layer.get("source") == "package"}
    assert set(CHART) <= drawn
