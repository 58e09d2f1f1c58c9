"""pygeoapi's configuration for the benchmark: one collection per benchmark table, PostgreSQL provider.

Stock settings except what equal work needs: `limits.max_items` 10000 (pygeoapi's default
of 10 would cut every page to 10 features; tipg and OneMap allow 10000), `storage_crs`
EPSG:4490 (the tables' SRID — with pygeoapi's default CRS84 every bbox query fails on mixed
SRIDs), `crs` listing CRS84, EPSG:4490 and EPSG:3857, and `always_xy: true` so features come
out longitude first in CRS84 (without it pyproj's EPSG:4490 axis order swaps them).
`write_config` writes the YAML and generates the OpenAPI document with `pygeoapi openapi generate`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from layers.model import LayerDefinition

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
JILIN_BBOX = [121.6, 40.9, 131.3, 46.3]


def config(database_url: str, layers: list[LayerDefinition], port: int) -> dict[str, Any]:
    url = sa.make_url(database_url)
    data = {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "dbname": url.database,
        "user": url.username or "postgres",
        "password": url.password or "",
        "search_path": ["public"],
    }
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": False,
            "languages": ["en-US"],
            "pretty_print": False,
            "limits": {"default_items": 10, "max_items": 10000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OpenStreetMap"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "OneMap benchmark (pygeoapi)",
                "description": "The OneMap benchmark tables served by pygeoapi",
                "keywords": ["benchmark"],
                "keywords_type": "theme",
                "terms_of_service": "https://creativecommons.org/licenses/by/4.0/",
                "url": "https://example.org",
            },
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "OneMap", "url": "https://example.org"},
            "contact": {"name": "OneMap", "position": "benchmark", "address": "-", "city": "Changchun",
                        "stateorprovince": "Jilin", "postalcode": "130000", "country": "China",
                        "phone": "+86-000", "fax": "+86-000", "email": "bench@example.org",
                        "url": "https://example.org", "hours": "-", "instructions": "-", "role": "pointOfContact"},
        },
        "resources": {layer.id: _resource(layer, data) for layer in layers},
    }


def _resource(layer: LayerDefinition, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "collection",
        "title": layer.title_en,
        "description": layer.title_zh,
        "keywords": ["benchmark"],
        "links": [],
        "extents": {"spatial": {"bbox": JILIN_BBOX, "crs": CRS84}},
        "providers": [{
            "type": "feature",
            "name": "PostgreSQL",
            "data": data,
            "id_field": "fid",
            "table": layer.id,
            "geom_field": "geom",
            "time_field": layer.temporal_field,
            "storage_crs": EPSG.format(4490),
            "crs": [CRS84, EPSG.format(4490), EPSG.format(3857)],
            "always_xy": True,
        }],
    }


def write_config(directory: Path, database_url: str, layers: list[LayerDefinition], port: int) -> dict[str, str]:
    """Write `pygeoapi-config.yml` and `pygeoapi-openapi.yml`; the environment variables pygeoapi needs."""
    config_path = directory / "pygeoapi-config.yml"
    openapi_path = directory / "pygeoapi-openapi.yml"
    config_path.write_text(yaml.safe_dump(config(database_url, layers, port), sort_keys=False), encoding="utf-8")
    env = {"PYGEOAPI_CONFIG": str(config_path), "PYGEOAPI_OPENAPI": str(openapi_path)}
    pygeoapi = Path(sys.executable).with_name("pygeoapi")
    subprocess.run([str(pygeoapi), "openapi", "generate", str(config_path), "--output-file", str(openapi_path)],
                   check=True, env={**os.environ, **env}, cwd=directory, capture_output=True)
    return env
