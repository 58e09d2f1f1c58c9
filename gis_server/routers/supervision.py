"""Supervision of the supervisors (再监管) over HTTP: timeliness statistics and open items.

    GET /supervision/statistics?group_by=organisation|region|domain|layer&from=&to=&domain=&region=
    GET /supervision/items?overdue=true|false&domain=&region=&collection=&holder_org=&limit=&offset=

Both cover every workflow layer the caller may read. `from`/`to` are RFC 3339 date-times or dates
(China time: a `from` date starts at 00:00, a `to` date ends at 24:00); the window defaults to the
30 days up to now. Definitions: `domains.workflow.statistics`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from domains.workflow.deadlines import CHINA, to_millisecond, utc_now
from domains.workflow.listing import open_items
from domains.workflow.statistics import GROUPINGS, timeliness
from gis_server.links import JSON, base_url
from gis_server.params import parse_limit, parse_offset, reject_unknown
from gis_server.routers.workflow import dumps
from gis_server.security import caller_region, readable
from gis_server.state import services
from layers.errors import InvalidQuery
from layers.model import LayerDefinition

router = APIRouter()
DEFAULT_WINDOW = timedelta(days=30)

DEFINITIONS = {
    "handled": "办理环节：窗口内离开有时限状态的次数 / steps leaving a state that had a deadline, within the window",
    "on_time": "按时办理：其中在时限内离开的 / of those, left by the deadline",
    "overdue_and_closed": "超期办结：其中超过时限才离开的 / of those, left after the deadline",
    "overdue_now": "当前超期：现在未办结且已过时限的事项 / open items past their deadline now",
    "median_hours": "办理时长中位数（小时），按离开的状态 / median hours spent in each state left, within the window",
    "organisation": "环节计入离开时的承办单位，当前超期计入当前承办单位 / steps count for the organisation that "
                    "held the state, open items for the current holder's organisation",
}


def _instant(request: Request, name: str, *, end: bool) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime.combine(day, time(0, 0), tzinfo=CHINA)
            return to_millisecond((start + timedelta(days=1)) if end else start)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidQuery(f"{name} 须为 RFC 3339 时间或日期 / {name} must be an RFC 3339 date-time or a date",
                           parameter=name) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA)
    return to_millisecond(parsed.astimezone(UTC))


def _layers(request: Request, domain: str | None) -> list[LayerDefinition]:
    """The caller's views of the workflow layers they may read (of one domain when asked)."""
    return readable(request, (layer for layer in services(request).registry.all()
                              if layer.workflow is not None and (domain is None or layer.domain == domain)))


@router.get("/supervision/statistics", include_in_schema=False)
async def statistics(request: Request) -> Response:
    reject_unknown(request.query_params, ("group_by", "from", "to", "domain", "region", "f"))
    group_by = request.query_params.get("group_by", "organisation")
    if group_by not in GROUPINGS:
        raise InvalidQuery(f"group_by 须为 {' / '.join(GROUPINGS)} 之一 / group_by must be one of "
                           f"{', '.join(GROUPINGS)}", parameter="group_by")
    now = utc_now()
    end = _instant(request, "to", end=True) or now
    start = _instant(request, "from", end=False) or end - DEFAULT_WINDOW
    if start > end:
        raise InvalidQuery("from 晚于 to / from is later than to", parameter="from")
    domain, region = request.query_params.get("domain"), request.query_params.get("region")
    layers = _layers(request, domain)
    region = caller_region(request, region, layers)
    groups = await run_in_threadpool(timeliness, services(request).store, layers, group_by, start, end, now,
                                     domain=domain, region=region)
    body = {"group_by": group_by, "from": start, "to": end, "as_of": now, "domain": domain, "region": region,
            "collections": [layer.id for layer in layers], "definitions": DEFINITIONS, "groups": groups,
            "links": [{"href": f"{base_url(request)}/supervision/statistics", "rel": "self", "type": JSON}]}
    return Response(dumps(body), media_type=JSON)


def _flag(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise InvalidQuery(f"{name} 须为 true 或 false / {name} must be true or false", parameter=name)


@router.get("/supervision/items", include_in_schema=False)
async def items(request: Request) -> Response:
    reject_unknown(request.query_params, ("overdue", "domain", "region", "collection", "holder_org", "limit",
                                          "offset", "f"))
    overdue = _flag(request, "overdue")
    limit = parse_limit(request.query_params.get("limit"))
    offset = parse_offset(request.query_params.get("offset"))
    layers = _layers(request, request.query_params.get("domain"))
    wanted = request.query_params.get("collection")
    if wanted is not None:
        layers = [layer for layer in layers if layer.id == wanted]
    now = utc_now()
    region = request.query_params.get("region")  # the caller's views already keep to their region

    def run() -> list[dict[str, Any]]:
        found = list(open_items(services(request).store, layers, now, overdue=overdue,
                                region=region,
                                holder_org=request.query_params.get("holder_org")))
        # most overdue first, then the nearest deadline; items without a deadline last
        found.sort(key=lambda item: (item.deadline is None, item.deadline or now, item.layer.id, item.fid))
        return [item.as_json() for item in found]

    listed = await run_in_threadpool(run)
    page = listed[offset:offset + limit]
    body = {"as_of": now, "numberMatched": len(listed), "numberReturned": len(page), "items": page,
            "links": [{"href": f"{base_url(request)}/supervision/items", "rel": "self", "type": JSON}]}
    return Response(dumps(body), media_type=JSON)
