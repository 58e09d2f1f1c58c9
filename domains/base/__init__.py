"""Base geography (基础地理) of Jilin Province: layer declarations and the sample-data generator.

`layers.yaml` declares the nine base layers (prefectures, seats, roads, kilometre posts,
bridges, toll stations, service areas, the Songhua centre line and water area);
`generate.generate(out_dir)` writes their synthetic sample data, one GeoJSON file per layer,
which is committed under `data/samples/base/`.
"""

from __future__ import annotations

from pathlib import Path

from domains.framework.domain import Domain, SampleContext
from domains.framework.samples import import_geojson_samples

#: Layer ids in catalogue order (JL-JT-JC-0001 … 0009).
LAYER_IDS: tuple[str, ...] = (
    "prefectures", "cities", "roads", "stakes", "bridges", "toll_stations", "service_areas",
    "river_centerline", "river_area",
)


def layer_file() -> Path:
    """The YAML file declaring the base layers."""
    return Path(__file__).resolve().parent / "layers.yaml"


def sample_dir() -> Path:
    """Where the committed sample GeoJSON files live: <repo>/data/samples/base."""
    return Path(__file__).resolve().parents[2] / "data" / "samples" / "base"


def _load_samples(context: SampleContext) -> dict[str, int]:
    return import_geojson_samples(context, DOMAIN.layers(), sample_dir())


DOMAIN = Domain(
    id="base",
    title_zh="基础地理",
    title_en="Base geography",
    layer_files=(layer_file(),),
    samples=_load_samples,
    order=0,
    description_zh="吉林省行政区划、公路网与桩号、桥梁、收费站、服务区、松花江。",
)

__all__ = ["DOMAIN", "LAYER_IDS", "layer_file", "sample_dir"]
