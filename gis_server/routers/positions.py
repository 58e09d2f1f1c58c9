"""Vehicle positions (车辆动态位置, issue 5 point 6).

- `POST /positions` — a batch of JT/T 808-style position reports, a JSON array of
  `{plate, time, lon, lat, speed_kmh, heading_deg}` or CSV (`text/csv`, a header naming those
  columns; UTF-8, or GBK with `charset=gbk`). Good rows are stored (duplicates of a plate and time
  ignored) and the `positions` rules run on them (speeding/fatigue alerts, restricted-zone clues);
  bad rows are rejected one by one. 200 with the counts and every reject (`index`, `field`,
  `reason`); a body that is not a JSON array or a CSV with the columns → 400 problem; more than
  `MAX_ROWS` rows → 413. Callers need the `position_reporter` or `admin` role.
- `GET /positions/{plate}?start&end` — one vehicle's track as a GeoJSON LineString (CRS84) with the
  report times, for whoever may read `rt_dg_vehicles`.

The work is done by `domains.road_transport.positions` off the event loop.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from domains.framework.rules import RuleContext, RuleEvent, RuleResult
from domains.road_transport.plates import normalize_plate
from domains.road_transport.positions.batch import from_ms, to_ms
from domains.road_transport.positions.ingest import ingest
from domains.road_transport.positions.parse import BatchFormatError, ParsedBatch, parse_csv, parse_json_rows
from domains.road_transport.positions.store import position_store
from domains.road_transport.reference import VEHICLES
from gis_server.links import GEOJSON
from gis_server.params import reject_unknown
from gis_server.problems import ApiProblem
from gis_server.responses import json_response
from gis_server.rule_events import rule_book
from gis_server.security import authorize_read, principal_of
from gis_server.state import services
from layers.errors import InvalidFeature, InvalidQuery, LayerNotFound

router = APIRouter()
MAX_BODY_BYTES = 32 * 1024 * 1024
MAX_ROWS = 100_000
#: Roles that may post positions (车载终端接入平台 / the terminal gateway), besides admin.
REPORTER_ROLES = frozenset({"admin", "position_reporter"})
JSON_TYPES = ("application/json",)
CSV_TYPES = ("text/csv", "application/csv")
MAX_TRACK_HOURS = 48


def _authorize_reporter(request: Request) -> str:
    principal = principal_of(request)
    if principal.roles & REPORTER_ROLES:
        return principal.name
    if principal.is_anonymous:
        raise ApiProblem(401, "未认证 / Unauthorized", "上报位置需要认证 / posting positions needs a token",
                         headers={"WWW-Authenticate": 'Bearer realm="onemap"'})
    raise ApiProblem(403, "禁止访问 / Forbidden", "需要 position_reporter 角色 / the position_reporter role is needed")


def _parse(media: str, charset: str, raw: bytes, now: datetime) -> ParsedBatch:
    try:
        if media in CSV_TYPES:
            try:
                text = raw.decode(charset)
            except (UnicodeDecodeError, LookupError) as exc:
                raise InvalidFeature(f"CSV 编码无法识别（{charset}）/ cannot decode the CSV as {charset}: {exc}",
                                     field="body") from None
            parsed = parse_csv(text, now)
        else:
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise InvalidFeature(f"请求体不是合法 JSON / body is not valid JSON: {exc}", field="body") from None
            if isinstance(data, list) and len(data) > MAX_ROWS:
                raise ApiProblem(413, "批量过大 / Payload too large",
                                 f"每批至多 {MAX_ROWS} 条 / at most {MAX_ROWS} reports per batch")
            parsed = parse_json_rows(data, now)
    except BatchFormatError as exc:
        raise InvalidFeature(str(exc), field="body") from None
    if parsed.received > MAX_ROWS:
        raise ApiProblem(413, "批量过大 / Payload too large", f"每批至多 {MAX_ROWS} 条 / at most {MAX_ROWS} reports "
                                                           "per batch")
    return parsed


@router.post("/positions", include_in_schema=False)
async def post_positions(request: Request) -> Response:
    actor = _authorize_reporter(request)
    reject_unknown(request.query_params, ())
    content_type = request.headers.get("content-type") or ""
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    if media not in JSON_TYPES + CSV_TYPES:
        raise ApiProblem(415, "不支持的媒体类型 / Unsupported media type",
                         "Content-Type 须为 application/json 或 text/csv / Content-Type must be application/json "
                         "or text/csv")
    charset = "utf-8"
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiProblem(413, "请求体过大 / Payload too large", f"请求体超过 {MAX_BODY_BYTES} 字节 / body too large")
    parsed = await run_in_threadpool(_parse, media, charset, raw, datetime.now(UTC))
    registry = services(request).registry
    book = rule_book(request.app)
    context = RuleContext(registry=registry, now=lambda: datetime.now(UTC), actor=actor)

    def dispatch(event: RuleEvent) -> RuleResult:
        return book.dispatch(event, context)

    report = await run_in_threadpool(ingest, registry, parsed, dispatch)
    return json_response(report.to_json())


def _instant(request: Request, name: str, default: datetime) -> datetime:
    value = request.query_params.get(name)
    if value is None:
        return default
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidQuery(f"{name} 须为 RFC 3339 时间 / {name} must be an RFC 3339 time: {value!r}",
                           parameter=name) from None
    if moment.tzinfo is None:
        raise InvalidQuery(f"{name} 须带时区偏移 / {name} must carry a UTC offset", parameter=name)
    return moment


def _track(registry: Any, plate: str, start: datetime, end: datetime) -> dict[str, Any]:
    positions = position_store(registry.store)
    rows = positions.read([plate], to_ms(start), to_ms(end))
    coordinates = [[lon, lat] for lon, lat in zip(rows.lon.tolist(), rows.lat.tolist(), strict=True)]
    times = [from_ms(t).isoformat().replace("+00:00", "Z") for t in rows.t.tolist()]
    geometry = None
    if coordinates:
        geometry = {"type": "LineString", "coordinates": coordinates if len(coordinates) > 1 else coordinates * 2}
    return {"type": "Feature", "id": plate, "geometry": geometry, "properties": {
        "plate": plate, "start": start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "end": end.astimezone(UTC).isoformat().replace("+00:00", "Z"), "count": len(times),
        "times": times, "speeds_kmh": rows.speed.tolist(), "headings_deg": rows.heading.tolist()}}


@router.get("/positions/{plate}", include_in_schema=False)
async def get_track(request: Request, plate: str) -> Response:
    reject_unknown(request.query_params, ("start", "end"))
    registry = services(request).registry
    try:
        authorize_read(request, registry.get(VEHICLES))
    except LayerNotFound:
        if "admin" not in principal_of(request).roles:
            raise ApiProblem(404, "未找到 / Not found",
                             f"图层 {VEHICLES} 未注册 / {VEHICLES} is not registered") from None
    normal = normalize_plate(plate)
    if normal is None:
        raise InvalidQuery(f"车牌号格式错误 / not a valid plate number: {plate!r}", parameter="plate")
    end = _instant(request, "end", datetime.now(UTC))
    start = _instant(request, "start", end - timedelta(hours=1))
    if not start <= end or end - start > timedelta(hours=MAX_TRACK_HOURS):
        raise InvalidQuery(f"start 须早于 end，且相隔不超过 {MAX_TRACK_HOURS} 小时 / start must precede end, at most "
                           f"{MAX_TRACK_HOURS} h apart", parameter="start")
    feature = await run_in_threadpool(_track, registry, normal, start, end)
    return json_response(feature, media_type=GEOJSON)
