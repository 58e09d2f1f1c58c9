"""Open workflow items across layers: each with its deadline and whether it is overdue now.

An item is open while its state is not terminal; it is overdue when its deadline has passed
(computed from the deadline at the time asked, so it does not wait for the sweep). Each layer is
asked with one CQL2 filter (state, deadline, region, holding organisation) through the store's
ordinary query path, page by page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from domains.workflow.deadlines import hours_between
from domains.workflow.fields import REGION_FIELD, region_of, title_of
from layers.filters.parse import parse_filter
from layers.model import LayerDefinition
from layers.query import FeatureQuery, OutputCrs
from layers.stores.base import FeatureStore
from layers.workflow import DEADLINE_FIELD, HOLDER_FIELD, HOLDER_ORG_FIELD, SINCE_FIELD, STATE_FIELD

STORAGE = OutputCrs(4490, lat_first=False)
PAGE = 5_000


@dataclass(frozen=True, slots=True)
class OpenItem:
    """One open item as listings and statistics see it."""

    layer: LayerDefinition
    fid: int
    properties: dict[str, Any]
    geometry: dict[str, Any] | None
    deadline: datetime | None
    overdue: bool
    hours_overdue: float | None

    @property
    def state(self) -> str:
        return str(self.properties.get(STATE_FIELD))

    @property
    def state_name(self) -> str:
        spec = self.layer.workflow.state(self.state) if self.layer.workflow else None
        return spec.name_zh if spec else self.state

    @property
    def holder_org(self) -> str | None:
        return self.properties.get(HOLDER_ORG_FIELD)

    @property
    def region(self) -> str | None:
        return region_of(self.properties)

    @property
    def title(self) -> str:
        return title_of(self.layer, self.fid, self.properties)

    def as_json(self) -> dict[str, Any]:
        return {
            "collection": self.layer.id, "layer_title": self.layer.title_zh, "id": self.fid,
            "domain": self.layer.domain, "title": self.title, "state": self.state, "state_name": self.state_name,
            "holder": self.properties.get(HOLDER_FIELD), "holder_org": self.holder_org, "region": self.region,
            "since": self.properties.get(SINCE_FIELD), "deadline": self.properties.get(DEADLINE_FIELD),
            "overdue": self.overdue,
            "hours_overdue": None if self.hours_overdue is None else round(self.hours_overdue, 2),
        }


def _condition(layer: LayerDefinition, now: datetime, overdue: bool | None, region: str | None,
               holder_org: str | None) -> dict[str, Any]:
    assert layer.workflow is not None
    terminal = sorted(layer.workflow.terminal_states)
    deadline = {"property": DEADLINE_FIELD}
    instant = {"timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
    args: list[dict[str, Any]] = [{"op": "not", "args": [{"op": "in", "args": [{"property": STATE_FIELD}, terminal]}]}]
    if overdue is True:
        args.append({"op": "<", "args": [deadline, instant]})
    elif overdue is False:
        args.append({"op": "or", "args": [{"op": "isNull", "args": [deadline]},
                                          {"op": ">=", "args": [deadline, instant]}]})
    if region is not None:
        args.append({"op": "=", "args": [{"property": REGION_FIELD}, region]})
    if holder_org is not None:
        args.append({"op": "=", "args": [{"property": HOLDER_ORG_FIELD}, holder_org]})
    expression = {"op": "and", "args": args}
    return parse_filter(orjson.dumps(expression).decode(), "cql2-json", layer)


def _parse_instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def open_items(store: FeatureStore, layers: Iterable[LayerDefinition], now: datetime, *,
               overdue: bool | None = None, region: str | None = None, holder_org: str | None = None,
               with_geometry: bool = False) -> Iterator[OpenItem]:
    """Open items of the given workflow layers (layers without a workflow, or without a region field
    when a region is asked, are skipped), layer by layer in fid order."""
    for layer in layers:
        if layer.workflow is None or (region is not None and layer.field(REGION_FIELD) is None):
            continue
        cql = _condition(layer, now, overdue, region, holder_org)
        offset = 0
        while True:
            query = FeatureQuery(cql=cql, limit=PAGE, offset=offset, crs=STORAGE, count=False,
                                 skip_geometry=not with_geometry)
            page = store.query(layer, query)
            for feature in orjson.loads(page.features_json):
                properties = feature["properties"]
                deadline = _parse_instant(properties.get(DEADLINE_FIELD))
                late = deadline is not None and deadline < now
                yield OpenItem(layer=layer, fid=int(feature["id"]), properties=properties,
                               geometry=feature.get("geometry"), deadline=deadline, overdue=late,
                               hours_overdue=hours_between(deadline, now) if late and deadline else None)
            if page.number_returned < PAGE:
                break
            offset += PAGE
