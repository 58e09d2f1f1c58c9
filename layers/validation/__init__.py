"""Feature validation: the rules (`rules.py`, one feature at a time, used by the API) and the same
rules vectorized over whole columns (`batch.py`, used by imports).

May import: `layers.model`, `layers.errors`, `layers.stores.base` (FeatureRecord).
"""

from layers.validation.rules import (
    CHINA_TZ,
    INT64_MAX,
    INT64_MIN,
    YEAR_MAX,
    YEAR_MIN,
    check_geometry,
    check_properties,
    china_day,
    coerce_value,
    parse_geojson_geometry,
    validate_feature,
)

__all__ = [
    "CHINA_TZ", "INT64_MAX", "INT64_MIN", "YEAR_MAX", "YEAR_MIN", "check_geometry", "check_properties",
    "china_day", "coerce_value", "parse_geojson_geometry", "validate_feature",
]
