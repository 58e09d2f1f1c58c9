"""Gauge readings: the `enc_gauge_readings` layer, parsing a posted body, storing and reading back.

Readings are an ordinary registered layer (so also an OGC collection): one point at the gauge per
reading with `gauge_id`, `observed_at` (UTC) and `level_m` (metres above the gauge's own datum, as
read off the staff). A batch is written in one store transaction, all or nothing; a reading whose
gauge and time are stored already is refused (409) rather than silently doubled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from shapely.geometry import Point

from enc_chart.waterlevel.errors import DuplicateReading
from layers.access.rules import AccessRules
from layers.errors import InvalidFeature, LayerExists, LayerNotFound
from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition, TilePropertyRule, TileSettings
from layers.registry import LayerRegistry
from layers.stores.base import FeatureRecord, FeatureStore
from layers.validation import CHINA_TZ

READINGS_LAYER_ID = "enc_gauge_readings"
#: Most readings one request may carry.
MAX_BATCH = 10_000
#: Levels beyond this many metres from the gauge datum are taken for typing errors.
MAX_ABS_LEVEL_M = 1_000.0

READINGS_LAYER = LayerDefinition(
    id=READINGS_LAYER_ID,
    title_zh="水位站读数",
    title_en="Water-gauge readings",
    description_zh="松花江试点航段各水位站的水位观测值（米，相对水尺零点） / levels read at the reach's gauges",
    domain="waterway",
    catalogue_code="JL-JT-HD-SW-0001",
    geometry_type=GeometryType.POINT,
    fields=(
        FieldSpec(name="gauge_id", type=FieldType.STRING, title_zh="水位站", title_en="Gauge", required=True,
                  max_length=64),
        FieldSpec(name="observed_at", type=FieldType.DATETIME, title_zh="观测时间", title_en="Observed at",
                  required=True),
        FieldSpec(name="level_m", type=FieldType.NUMBER, title_zh="水位", title_en="Water level", required=True,
                  unit="m", minimum=-MAX_ABS_LEVEL_M, maximum=MAX_ABS_LEVEL_M,
                  description="metres above the gauge datum (水尺零点)"),
    ),
    temporal_field="observed_at",
    min_zoom=8,
    valid_extent=(-180.0, -90.0, 180.0, 90.0),
    keywords=("ENC", "water level", "水位"),
    tiles=TileSettings(properties=(TilePropertyRule(from_zoom=8, fields=("gauge_id", "level_m")),)),
    access=AccessRules(public=True),
)


@dataclass(frozen=True, slots=True)
class Reading:
    gauge_id: str
    observed_at: datetime  # UTC
    level_m: float


def readings_layer(registry: LayerRegistry, *, create: bool = True) -> LayerDefinition | None:
    """The readings layer, registered first if missing and `create`; None if missing otherwise."""
    try:
        return registry.get(READINGS_LAYER_ID)
    except LayerNotFound:
        if not create:
            return None
    try:
        return registry.register(READINGS_LAYER)
    except LayerExists:  # another worker registered it a moment ago
        return registry.get(READINGS_LAYER_ID)


# -- parsing ---------------------------------------------------------------------------------------
def parse_time(value: Any, name: str) -> datetime:
    """An RFC 3339 date-time (a naive one is China Standard Time, D6) → aware UTC datetime."""
    if not isinstance(value, str) or "T" not in value.upper():
        raise InvalidFeature(f"{name} 须为 RFC 3339 时间，如 2025-06-01T08:00:00+08:00 / "
                             f"{name} must be an RFC 3339 date-time, got {value!r}", field=name)
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidFeature(f"{name} 不是合法的 RFC 3339 时间 / {name} is not an RFC 3339 date-time: "
                             f"{value!r}", field=name) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA_TZ)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:01+00:01 lies before year 1 in UTC
        raise InvalidFeature(f"{name} 超出可表示的时间范围 / {name} is out of range: {value!r}",
                             field=name) from None


def parse_level(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidFeature(f"{name} 须为以米计的数值 / {name} must be a number of metres, got {value!r}",
                             field=name)
    if abs(value) > MAX_ABS_LEVEL_M:
        raise InvalidFeature(f"{name} 超出 ±{MAX_ABS_LEVEL_M:g} 米 / {name} is beyond ±{MAX_ABS_LEVEL_M:g} m",
                             field=name)
    return float(value)


def parse_readings(gauge_id: str, body: Any) -> list[Reading]:
    """A posted body — one reading `{observed_at, level}` or a list of them — → readings.

    `level_m` is accepted as another name of `level`. Anything else is an `InvalidFeature` naming the
    member (`[2].level` for the third reading of a list).
    """
    items = body if isinstance(body, list) else [body]
    if not items:
        raise InvalidFeature("读数列表为空 / the list of readings is empty", field="body")
    if len(items) > MAX_BATCH:
        raise InvalidFeature(f"一次最多 {MAX_BATCH} 条读数 / at most {MAX_BATCH} readings per request",
                             field="body")
    readings: list[Reading] = []
    seen: set[datetime] = set()
    for index, item in enumerate(items):
        where = f"[{index}]." if isinstance(body, list) else ""
        if not isinstance(item, dict):
            raise InvalidFeature(f"{where or '请求体 / body '}须为 JSON 对象 / must be a JSON object "
                                 "{observed_at, level}", field=f"{where}body".strip("."))
        unknown = sorted(set(item) - {"observed_at", "level", "level_m"})
        if unknown:
            raise InvalidFeature(f"读数含未知成员 / unknown members in a reading: {', '.join(unknown)}",
                                 field=f"{where}{unknown[0]}")
        if "level" in item and "level_m" in item:
            raise InvalidFeature("level 与 level_m 只能给一个 / give level or level_m, not both",
                                 field=f"{where}level")
        if "observed_at" not in item:
            raise InvalidFeature("缺少观测时间 observed_at / missing observed_at", field=f"{where}observed_at")
        key = "level" if "level" in item else "level_m"
        if key not in item:
            raise InvalidFeature("缺少水位 level（米） / missing level (metres)", field=f"{where}level")
        moment = parse_time(item["observed_at"], f"{where}observed_at")
        if moment in seen:
            raise InvalidFeature(f"同一时间重复的读数 / two readings for {moment.isoformat()}",
                                 field=f"{where}observed_at")
        seen.add(moment)
        readings.append(Reading(gauge_id, moment, parse_level(item[key], f"{where}{key}")))
    return readings


# -- reading back ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class GaugeSeries:
    """One gauge's readings in time order: epoch seconds and levels."""

    times: np.ndarray
    levels: np.ndarray

    def latest(self) -> tuple[datetime, float]:
        return datetime.fromtimestamp(float(self.times[-1]), UTC), float(self.levels[-1])


@dataclass(frozen=True)
class ReadingTable:
    """Every stored reading, per gauge, ready for interpolation."""

    series: dict[str, GaugeSeries]

    def has(self, gauge_id: str, moment: datetime) -> bool:
        series = self.series.get(gauge_id)
        if series is None:
            return False
        return bool(np.any(series.times == moment.timestamp()))


EMPTY_TABLE = ReadingTable({})


def load_table(store: FeatureStore, layer: LayerDefinition | None) -> ReadingTable:
    """Read the whole readings layer (cached by the callers per data version)."""
    if layer is None:
        return EMPTY_TABLE
    rows: dict[str, list[tuple[float, float]]] = {}
    for batch in store.iter_records(layer, batch_size=50_000):
        for feature in batch:
            props = feature.properties
            moment = props.get("observed_at")
            level = props.get("level_m")
            gauge = props.get("gauge_id")
            if moment is None or level is None or gauge is None:
                continue
            if isinstance(moment, str):
                moment = parse_time(moment, "observed_at")
            elif moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            rows.setdefault(str(gauge), []).append((moment.timestamp(), float(level)))
    series = {}
    for gauge, values in rows.items():
        values.sort()  # equal times cannot happen through this module; keep the last written if they do
        times = np.array([t for t, _ in values])
        levels = np.array([v for _, v in values])
        series[gauge] = GaugeSeries(times, levels)
    return ReadingTable(series)


# -- writing ---------------------------------------------------------------------------------------
def store_readings(store: FeatureStore, layer: LayerDefinition, table: ReadingTable, where: Point,
                   readings: Sequence[Reading]) -> list[int]:
    """Write the readings in one transaction at the gauge's position; refuse any already stored."""
    for reading in readings:
        if table.has(reading.gauge_id, reading.observed_at):
            raise DuplicateReading(
                f"水位站 {reading.gauge_id} 在 {reading.observed_at.isoformat()} 的读数已存在 / "
                f"gauge {reading.gauge_id} already has a reading at {reading.observed_at.isoformat()}")
    return store.insert(layer, [reading_record(where, r) for r in readings])


def reading_record(where: Point, reading: Reading) -> FeatureRecord:
    return FeatureRecord(geometry=where, properties={
        "gauge_id": reading.gauge_id, "observed_at": reading.observed_at, "level_m": reading.level_m})


def reading_dicts(readings: Iterable[Reading]) -> list[dict[str, Any]]:
    return [{"gauge_id": r.gauge_id, "observed_at": r.observed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "level_m": r.level_m} for r in readings]
