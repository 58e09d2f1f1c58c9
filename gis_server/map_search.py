"""The map's search box: names, plate numbers, case/application/event numbers and stakes → places.

Owns what is searched and how results rank. A query is, in this order:
- a road reference `G12 K1023+500` (route + stake) → the point on the road (linear referencing);
- a coordinate `126.55,43.84` (lon,lat) → that point;
- text → features of every layer the caller may read whose searchable text fields contain it
  (case-insensitive CQL2 `LIKE`, run by the store): names (`name_zh`, `title_zh`, …), plates,
  every `…_no` number (case, application, event, hazard, clue …) and the layer's own code (its
  first `…_code` field other than the route code). A plate typed without the middle dot
  (`吉A12345`) also matches the stored form `吉A·12345`.
Exact matches rank before prefixes before other matches; at most `PER_LAYER` per layer and `LIMIT`
in all. Each result names its collection, fid, a title and a lon/lat box to fly to.

May import: `layers`, `domains.base`, `gis_server.security`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
import shapely
from shapely.geometry import shape

from domains.base.linear_ref import MalformedReference, format_reference, parse_reference, road_index
from layers.access.principal import Principal
from layers.access.view import AccessPolicy
from layers.errors import InvalidQuery, LayerNotFound
from layers.filters.parse import parse_filter
from layers.model import FieldType, LayerDefinition
from layers.query import CRS84, FeatureQuery
from layers.registry import LayerRegistry
from layers.stores.base import FeatureStore

LIMIT = 20
PER_LAYER = 5
MIN_LENGTH = 2
MAX_LENGTH = 100
#: Layers never searched: the overdue map repeats items of the workflow layers.
SKIPPED_LAYERS = frozenset({"supervision_overdue"})
NAME_FIELDS = ("name_zh", "title_zh", "name", "title", "lot_name", "ship_name", "vessel_name", "party_name",
               "enterprise_name", "object_name", "nobjnm", "objnam", "route_name_zh", "label")
PLATE_FIELDS = ("plate", "trailer_plate", "mmsi")
NOT_OWN_CODES = frozenset({"route_code", "adcode"})
PLATE = re.compile(r"^([\u4e00-\u9fff][A-Za-z])[·•\s]?([A-Za-z0-9]{4,6})$")
COORDINATE = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*[,，\s]\s*(-?\d{1,2}(?:\.\d+)?)\s*$")
#: Half the side (degrees) of the box a point result flies to.
POINT_PAD = 0.004


@dataclass(frozen=True, slots=True)
class SearchFields:
    """The fields searched in one layer and the fields that title its results."""

    searched: tuple[str, ...]
    titles: tuple[str, ...]


def search_fields(layer: LayerDefinition) -> SearchFields | None:
    strings = [f.name for f in layer.fields if f.type is FieldType.STRING and not f.enum]
    if layer.id in SKIPPED_LAYERS or not strings:
        return None
    own_code = next((name for name in strings if name.endswith("_code") and name not in NOT_OWN_CODES), None)
    clear = {f.name for f in layer.fields if not (f.masked or f.secret)}  # masked values are not searched
    searched = [name for name in strings if name in clear and (
        name in NAME_FIELDS or name in PLATE_FIELDS or name.endswith("_no") or name == own_code)]
    if not searched:
        return None
    titles = [name for name in NAME_FIELDS if name in strings]
    titles += [name for name in strings if name.endswith("_no") and name not in titles]
    titles += [name for name in (own_code, *PLATE_FIELDS) if name and name in strings and name not in titles]
    return SearchFields(tuple(searched), tuple(titles))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def patterns(text: str) -> list[str]:
    """What the text may look like in a field: itself, and a plate with its middle dot."""
    found = [text]
    plate = PLATE.match(text)
    if plate:
        for form in (f"{plate.group(1)}·{plate.group(2)}", f"{plate.group(1)}{plate.group(2)}"):
            if form not in found:
                found.append(form)
    return found


def _filter(layer: LayerDefinition, fields: tuple[str, ...], forms: list[str]) -> dict[str, Any]:
    clauses = [{"op": "like", "args": [{"op": "casei", "args": [{"property": name}]},
                                       {"op": "casei", "args": [f"%{_escape(form)}%"]}]}
               for name in fields for form in forms]
    body = clauses[0] if len(clauses) == 1 else {"op": "or", "args": clauses}
    return parse_filter(orjson.dumps(body).decode(), "cql2-json", layer)


def _rank(value: str, forms: list[str]) -> int:
    low = value.casefold()
    if any(low == form.casefold() for form in forms):
        return 0
    if any(low.startswith(form.casefold()) for form in forms):
        return 1
    return 2


def _box(geometry: dict[str, Any] | None) -> tuple[list[float], list[float]] | None:
    if not geometry:
        return None
    geom = shape(geometry)
    if geom.is_empty:
        return None
    minx, miny, maxx, maxy = geom.bounds
    centre = shapely.point_on_surface(geom)
    if maxx - minx < 2 * POINT_PAD and maxy - miny < 2 * POINT_PAD:
        minx, miny, maxx, maxy = centre.x - POINT_PAD, centre.y - POINT_PAD, centre.x + POINT_PAD, centre.y + POINT_PAD
    return [round(v, 6) for v in (minx, miny, maxx, maxy)], [round(centre.x, 6), round(centre.y, 6)]


def _layer_results(store: FeatureStore, layer: LayerDefinition, fields: SearchFields,
                   forms: list[str]) -> list[tuple[int, dict[str, Any]]]:
    wanted = tuple(dict.fromkeys((*fields.searched, *fields.titles)))
    query = FeatureQuery(cql=_filter(layer, fields.searched, forms), limit=PER_LAYER * 4, crs=CRS84,
                         properties=wanted, count=False)
    found = []
    for feature in orjson.loads(store.query(layer, query).features_json):
        props = feature.get("properties") or {}
        matches = [(name, str(props[name])) for name in fields.searched
                   if props.get(name) is not None and any(f.casefold() in str(props[name]).casefold() for f in forms)]
        box = _box(feature.get("geometry"))
        if not matches or box is None:
            continue
        name, value = min(matches, key=lambda m: _rank(m[1], forms))
        title = next((str(props[t]) for t in fields.titles if props.get(t) not in (None, "")), value)
        spec = layer.field(name)
        found.append((_rank(value, forms), {
            "kind": "feature", "collection": layer.id, "collection_title": layer.title_zh, "fid": feature["id"],
            "title": title, "field": name, "field_title": spec.title_zh if spec else name, "value": value,
            "bbox": box[0], "center": box[1],
        }))
    found.sort(key=lambda item: item[0])
    return found[:PER_LAYER]


class NoSuchStake(Exception):
    """A well-formed road reference that is not on the stored roads (unknown route, stake outside it)."""


def _reference(registry: LayerRegistry, policy: AccessPolicy, principal: Principal, text: str
               ) -> dict[str, Any] | None:
    try:
        route, stake = parse_reference(text, parameter="q")
    except MalformedReference:
        return None
    try:
        roads = registry.get("roads")
    except LayerNotFound:
        return None
    if not policy.may_read(roads, principal):
        return None
    try:
        lon, lat = road_index(registry).locate(route, stake)
    except InvalidQuery as exc:  # unknown route, stake outside its range: the message says which
        raise NoSuchStake(exc.message) from None
    box = [lon - POINT_PAD, lat - POINT_PAD, lon + POINT_PAD, lat + POINT_PAD]
    reference = format_reference(route, stake)
    return {"kind": "stake", "collection": roads.id, "collection_title": "路线桩号 / route and stake", "fid": None,
            "title": reference, "field": "stake", "field_title": "桩号", "value": reference,
            "bbox": [round(v, 6) for v in box], "center": [round(lon, 6), round(lat, 6)]}


def _coordinate(text: str) -> dict[str, Any] | None:
    match = COORDINATE.match(text)
    if not match:
        return None
    lon, lat = float(match.group(1)), float(match.group(2))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    box = [lon - POINT_PAD, lat - POINT_PAD, lon + POINT_PAD, lat + POINT_PAD]
    return {"kind": "coordinate", "collection": None, "collection_title": "坐标 / coordinate", "fid": None,
            "title": f"{lon:.6f}, {lat:.6f}", "field": None, "field_title": None, "value": text,
            "bbox": box, "center": [lon, lat]}


def clean_query(raw: str | None) -> str:
    text = " ".join((raw or "").split())
    if len(text) < MIN_LENGTH:
        raise InvalidQuery(f"搜索内容至少 {MIN_LENGTH} 个字 / the search text needs at least {MIN_LENGTH} characters",
                           parameter="q")
    if len(text) > MAX_LENGTH:
        raise InvalidQuery(f"搜索内容至多 {MAX_LENGTH} 个字 / the search text is limited to {MAX_LENGTH} characters",
                           parameter="q")
    return text


def search(store: FeatureStore, registry: LayerRegistry, policy: AccessPolicy, principal: Principal, text: str
           ) -> tuple[list[dict[str, Any]], str | None]:
    """Places matching `text` among the caller's views of the layers they may read (their rows, their
    fields, masked values neither searched nor shown in clear), best first, and a message when the
    text is a road reference that is not on the roads."""
    try:
        hit = _reference(registry, policy, principal, text) or _coordinate(text)
    except NoSuchStake as exc:
        return [], str(exc)
    if hit is not None:
        return [hit], None
    forms = patterns(text)
    ranked: list[tuple[int, int, dict[str, Any]]] = []
    for order, declared in enumerate(registry.all()):
        layer = policy.view(declared, principal).layer
        fields = None if layer is None else search_fields(layer)
        if layer is None or fields is None:
            continue
        ranked += [(rank, order, hit) for rank, hit in _layer_results(store, layer, fields, forms)]
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [hit for _, _, hit in ranked[:LIMIT]], None
