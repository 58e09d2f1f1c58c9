"""Writes the base-geography sample data: one RFC 7946 GeoJSON file per layer.

Deterministic: the same code and parameters give byte-identical files (seeded noise, fixed
rounding, stable ordering). Run as `python -m domains.base.generate [OUT_DIR]`; the default
output directory is the committed `data/samples/base/`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from domains.base import LAYER_IDS, sample_dir
from domains.base.boundaries import city_features, prefecture_features
from domains.base.features import Feature, write_collection
from domains.base.river import area_features, centreline_features
from domains.base.roads import road_features, stake_features
from domains.base.structures import bridge_features, service_area_features, toll_station_features

BUILDERS: dict[str, Callable[[], list[Feature]]] = {
    "prefectures": prefecture_features,
    "cities": city_features,
    "roads": road_features,
    "stakes": stake_features,
    "bridges": bridge_features,
    "toll_stations": toll_station_features,
    "service_areas": service_area_features,
    "river_centerline": centreline_features,
    "river_area": area_features,
}


def generate(out_dir: Path) -> dict[str, int]:
    """Write `<out_dir>/<layer id>.geojson` for every base layer; returns features written per layer."""
    out_dir = Path(out_dir)
    return {layer_id: write_collection(out_dir / f"{layer_id}.geojson", BUILDERS[layer_id]())
            for layer_id in LAYER_IDS}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else sample_dir()
    counts = generate(out_dir)
    for layer_id, count in counts.items():
        print(f"{layer_id:18s} {count:6d}  {out_dir / (layer_id + '.geojson')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
