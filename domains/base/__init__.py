"""Base geography (基础地理) of Jilin Province: layer declarations and the sample-data generator.

`layers.yaml` declares the nine base layers (prefectures, seats, roads, kilometre posts,
bridges, toll stations, service areas, the Songhua centre line and water area);
`generate.generate(out_dir)` writes their synthetic sample data, one GeoJSON file per layer,
which is committed under `data/samples/base/`.
"""

from __future__ import annotations

from pathlib import Path

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


__all__ = ["LAYER_IDS", "layer_file", "sample_dir"]
