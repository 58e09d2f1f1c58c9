"""The injection corpus: requests that try SQL through every query input (CQL2 text and JSON filters,
`sortby`, `properties`, `bbox`, `datetime`, `crs`, `limit`, feature ids, layer ids of items and
tiles, search), path traversal through tile, style, sprite, glyph and static paths, and scripts
through text fields shown in HTML.

Each `Case` says what an answer must be: `refuse` — a 4xx, nothing else (a traversal or an unknown
table that answered 200 would have served something it must not); otherwise a 4xx or an inert 2xx,
which, when `matches` is given, finds exactly that many features (a quoted attack is a string that
matches no road, never a clause). No case may get a 5xx, and none may show the private layer's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

#: A value of the private layer (`secret_sites`, read role `inspector`) that no answer may contain.
SECRET_VALUE = "机房"
#: Stored in a text field, then shown as HTML.
SCRIPTS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '"><svg onload=alert(3)>',
    "</title><script>alert(4)</script>",
    "javascript:alert(5)",
)


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    refuse: bool = False
    matches: int | None = None


def _json(doc: object) -> str:
    return orjson.dumps(doc).decode()


ITEMS = "/collections/roads/items"
TILE = "/tiles/WebMercatorQuad/12/1507/3474"

SQL_CASES: tuple[Case, ...] = (
    # CQL2 text
    Case("text: quote break-out", ITEMS, {"filter": "name = 'x'' OR ''1''=''1'"}, matches=0),
    Case("text: stacked statement in a literal", ITEMS, {"filter": "name = 'a''; DROP TABLE roads; --'"}, matches=0),
    Case("text: stacked statement after", ITEMS, {"filter": "name = 'a'; DROP TABLE roads"}, refuse=True),
    Case("text: union", ITEMS, {"filter": "name = 'x' UNION SELECT name FROM secret_sites"}, refuse=True),
    Case("text: subquery", ITEMS, {"filter": "name = (SELECT name FROM secret_sites)"}, refuse=True),
    Case("text: quoted identifier", ITEMS, {"filter": "\"name; DROP TABLE roads\" = 'x'"}, refuse=True),
    Case("text: other table's column", ITEMS, {"filter": "secret_sites.name = 'x'"}, refuse=True),
    Case("text: SQL function", ITEMS, {"filter": "pg_sleep(5) = 1"}, refuse=True),
    Case("text: SQLite function", ITEMS, {"filter": "load_extension('x') = 1"}, refuse=True),
    Case("text: comment", ITEMS, {"filter": "name = 'x' -- AND lanes = 1"}, refuse=True),
    Case("text: tautology", ITEMS, {"filter": "lanes = 4 OR 1 = 1"}),
    Case("text: LIKE wildcard literal", ITEMS, {"filter": "name LIKE '%'' OR 1=1 --'"}, matches=0),
    Case("text: geometry WKT break-out", ITEMS, {"filter": "S_INTERSECTS(geometry, POINT(125 43)); DROP TABLE roads"},
         refuse=True),
    # CQL2 JSON
    Case("json: property break-out", ITEMS,
         {"filter-lang": "cql2-json", "filter": _json({"op": "=", "args": [{"property": "name\" OR 1=1 --"}, "x"]})},
         refuse=True),
    Case("json: literal break-out", ITEMS,
         {"filter-lang": "cql2-json", "filter": _json({"op": "=", "args": [{"property": "name"}, "x' OR '1'='1"]})},
         matches=0),
    Case("json: unknown operator", ITEMS,
         {"filter-lang": "cql2-json", "filter": _json({"op": "pg_sleep", "args": [5]})}, refuse=True),
    Case("json: operator as SQL", ITEMS,
         {"filter-lang": "cql2-json", "filter": _json({"op": "= 1 OR 1 =", "args": [{"property": "lanes"}, 1]})},
         refuse=True),
    Case("json: nested subquery", ITEMS,
         {"filter-lang": "cql2-json",
          "filter": _json({"op": "=", "args": [{"property": "name"}, {"op": "(SELECT name FROM secret_sites)",
                                                                       "args": []}]})}, refuse=True),
    # sortby and properties
    Case("sortby: stacked statement", ITEMS, {"sortby": "name;DROP TABLE roads"}, refuse=True),
    Case("sortby: subquery", ITEMS, {"sortby": "-name,(SELECT 1)"}, refuse=True),
    Case("sortby: SQL direction", ITEMS, {"sortby": "name desc--"}, refuse=True),
    Case("sortby: CASE expression", ITEMS, {"sortby": "CASE WHEN (1=1) THEN name ELSE lanes END"}, refuse=True),
    Case("properties: subquery", ITEMS, {"properties": "name,(select name from secret_sites)"}, refuse=True),
    Case("properties: quote", ITEMS, {"properties": 'name"--'}, refuse=True),
    Case("properties: star", ITEMS, {"properties": "*"}, refuse=True),
    # other query inputs
    Case("bbox: statement", ITEMS, {"bbox": "125,43,126,44);DROP TABLE roads;--"}, refuse=True),
    Case("datetime: statement", ITEMS, {"datetime": "2024-01-01'; DROP TABLE roads;--"}, refuse=True),
    Case("crs: quote", ITEMS, {"crs": "http://www.opengis.net/def/crs/EPSG/0/4326' OR '1'='1"}, refuse=True),
    Case("limit: statement", ITEMS, {"limit": "1;DROP TABLE roads"}, refuse=True),
    Case("offset: expression", ITEMS, {"offset": "0 OR 1=1"}, refuse=True),
    Case("attribute query: quote", ITEMS, {"name": "x' OR '1'='1"}, matches=0),
    Case("search: quote", "/search", {"q": "' OR 1=1 --"}),
    Case("search: private value", "/search", {"q": SECRET_VALUE}, matches=0),
    # feature ids
    Case("id: tautology", f"{ITEMS}/1%20OR%201=1", refuse=True),
    Case("id: stacked statement", f"{ITEMS}/1;DROP%20TABLE%20roads", refuse=True),
    Case("id: quote", f"{ITEMS}/%27", refuse=True),
    Case("id: quoted tautology", f"{ITEMS}/%27%20OR%20%271%27=%271", refuse=True),
    Case("id: huge number", f"{ITEMS}/{'9' * 400}", refuse=True),
    Case("id: negative", f"{ITEMS}/-1", refuse=True),
    Case("id: float overflow", f"{ITEMS}/1e309", refuse=True),
    # layer ids: platform tables and other SQL are not collections
    Case("layer: registry table", "/collections/onemap_layers/items", refuse=True),
    Case("layer: meta table", "/collections/onemap_meta/items", refuse=True),
    Case("layer: GeoPackage table", "/collections/gpkg_contents/items", refuse=True),
    Case("layer: PostGIS table", "/collections/spatial_ref_sys/items", refuse=True),
    Case("layer: statement", "/collections/roads;DROP%20TABLE%20roads/items", refuse=True),
    Case("layer: quoted", "/collections/%22roads%22/items", refuse=True),
    Case("layer: upper case", "/collections/ROADS/items", refuse=True),
    Case("layer: private, anonymous", "/collections/secret_sites/items", refuse=True),
    Case("layer: private item, anonymous", "/collections/secret_sites/items/1", refuse=True),
    Case("layer: private queryables", "/collections/secret_sites/queryables", refuse=True),
    Case("tiles: registry table", TILE, {"collections": "roads,onemap_layers"}, refuse=True),
    Case("tiles: statement", TILE, {"collections": "roads;DROP TABLE roads"}, refuse=True),
    Case("tiles: private layer", TILE, {"collections": "roads,secret_sites"}, refuse=True),
    Case("tiles: private layer tile", "/collections/secret_sites/tiles/WebMercatorQuad/12/1507/3474", refuse=True),
)

TRAVERSAL_CASES: tuple[Case, ...] = (
    Case("static: up to web/", "/static/%2e%2e/package.json", refuse=True),
    Case("static: encoded slashes", "/static/..%2f..%2fsettings.py", refuse=True),
    Case("static: from a sub-folder", "/static/map/%2e%2e%2f%2e%2e%2fpackage.json", refuse=True),
    Case("static: absolute", "/static/%2fetc%2fpasswd", refuse=True),
    Case("static: NUL byte", "/static/map/main.js%00.css", refuse=True),
    Case("static: vendor up", "/static/vendor/..%2f..%2fpackage.json", refuse=True),
    Case("static: vendor file of the package", "/static/vendor/maplibre-gl%2fpackage.json", refuse=True),
    Case("style: up", "/styles/%2e%2e%2f%2e%2e%2fpyproject.toml", refuse=True),
    Case("style: absolute", "/styles/%2fetc%2fpasswd", refuse=True),
    Case("sprite: up", "/styles/onemap/..%2f..%2f..%2fpyproject.toml", refuse=True),
    Case("sprite: up to a style file", "/styles/onemap/%2e%2e%2fdata%2fonemap.json", refuse=True),
    Case("sprite: NUL byte", "/styles/onemap/sprite.json%00.png", refuse=True),
    Case("chart sprite: up", "/styles/enc-day/..%2f..%2f..%2fpyproject.toml", refuse=True),
    Case("glyphs: up", "/fonts/..%2f..%2f..%2fetc/0-255.pbf", refuse=True),
    Case("glyphs: range up", "/fonts/Noto%20Sans%20Regular/..%2f..%2f..%2fpyproject.pbf", refuse=True),
    Case("glyphs: dot font", "/fonts/%2e%2e/0-255.pbf", refuse=True),
    Case("tiles: dots for numbers", "/collections/roads/tiles/WebMercatorQuad/%2e%2e/%2e%2e/%2e%2e", refuse=True),
    Case("tiles: matrix set up", "/collections/roads/tiles/%2e%2e%2f%2e%2e%2fetc/1/0/0", refuse=True),
    Case("tiles: layer up", "/collections/%2e%2e%2fsecret_sites/tiles/WebMercatorQuad/12/1507/3474", refuse=True),
    Case("tiles: out of range", "/collections/roads/tiles/WebMercatorQuad/40/0/0", refuse=True),
    Case("tilejson: up", "/collections/%2e%2e/tiles/WebMercatorQuad/tilejson.json", refuse=True),
)

#: Texts that identify a file outside what the platform serves, should a traversal succeed.
FILE_MARKERS = ("[project]", "root:x:", '"dependencies"', "import ", "ONEMAP_")
