"""The conformance classes this server implements (and only those)."""

from __future__ import annotations

from tiles.documents import CONFORMANCE_CLASSES as TILES_CONFORMANCE

_F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_F2 = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/"
_F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
_F4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"

FEATURES = [
    _F1 + "core", _F1 + "oas30", _F1 + "html", _F1 + "geojson",
    _F2 + "crs",
    _F3 + "queryables", _F3 + "queryables-query-parameters", _F3 + "filter", _F3 + "features-filter",
    _CQL2 + "cql2-text", _CQL2 + "cql2-json", _CQL2 + "basic-cql2", _CQL2 + "advanced-comparison-operators",
    _CQL2 + "basic-spatial-functions", _CQL2 + "basic-spatial-functions-plus", _CQL2 + "spatial-functions",
    _F4 + "create-replace-delete", _F4 + "update", _F4 + "features",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
]


def conformance_classes() -> list[str]:
    return [*FEATURES, *TILES_CONFORMANCE]
