"""Errors of the water-level and route-check services that the generic layer errors do not cover.

Each carries the HTTP status and the title the web layer answers with; the message says, in
Chinese and English, what is wrong. Bad parameters use `layers.errors.InvalidQuery` /
`InvalidFeature` (400) instead.
"""

from __future__ import annotations

from layers.errors import OneMapError


class EncServiceError(OneMapError):
    """Base class: `status` and `title` are what the API answers with."""

    status = 400
    title = "请求错误 / Bad request"


class GaugeNotFound(EncServiceError):
    """No gauge with that id in the chart (404)."""

    status = 404
    title = "未找到水位站 / Gauge not found"


class DuplicateReading(EncServiceError):
    """A reading for that gauge and time is stored already (409)."""

    status = 409
    title = "读数已存在 / Reading exists"


class NoWaterLevel(EncServiceError):
    """No gauge has a reading at or before the time asked (409): nothing can be said about the level."""

    status = 409
    title = "无水位数据 / No water level"


class ChartNotLoaded(EncServiceError):
    """A chart layer the service needs (waterway axis, depth areas, gauges) is not in the store (409)."""

    status = 409
    title = "航道图未装载 / Chart not loaded"


class OutsideReach(EncServiceError):
    """A route that leaves the charted water of the reach or strays from its axis (400)."""

    status = 400
    title = "航线超出航段 / Route outside the reach"
