"""Reading features back through the store's query interface with a CQL2 JSON filter (every page),
and turning the JSON values that come back into what the rules compare."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import orjson

from domains.road_transport.positions.batch import from_ms
from layers.filters.parse import parse_filter
from layers.model import LayerDefinition
from layers.query import FeatureQuery, OutputCrs
from layers.stores.base import FeatureStore

STORAGE_LONLAT = OutputCrs(4490, lat_first=False)
PAGE = 5_000
#: Values per CQL2 `IN` list (keeps each filter well under the parser's size limit).
IN_CHUNK = 500


def features_where(store: FeatureStore, layer: LayerDefinition, expr: dict[str, Any]) -> list[dict[str, Any]]:
    """Every feature matching a CQL2 JSON expression, geometry in EPSG:4490 lon/lat."""
    cql = parse_filter(json.dumps(expr, ensure_ascii=False), "cql2-json", layer)
    found: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = store.query(layer, FeatureQuery(cql=cql, limit=PAGE, offset=offset, crs=STORAGE_LONLAT, count=False))
        features = orjson.loads(page.features_json)
        found.extend(features)
        if len(features) < PAGE:
            return found
        offset += PAGE


def features_in(store: FeatureStore, layer: LayerDefinition, field: str, values: list[str],
                extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Features whose `field` is one of `values` (and that match every `extra` condition)."""
    found = []
    distinct = sorted(set(values))
    for start in range(0, len(distinct), IN_CHUNK):
        chunk = distinct[start:start + IN_CHUNK]
        condition: dict[str, Any] = {"op": "in", "args": [{"property": field}, chunk]}
        if extra:
            condition = {"op": "and", "args": [condition, *extra]}
        found.extend(features_where(store, layer, condition))
    return found


def instant_ms(value: Any) -> int | None:
    """An RFC 3339 string (or datetime) from a feature → ms since the epoch."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return round(moment.timestamp() * 1000)


def timestamp_literal(ms: int) -> dict[str, str]:
    """A CQL2 JSON timestamp literal."""
    return {"timestamp": from_ms(ms).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
