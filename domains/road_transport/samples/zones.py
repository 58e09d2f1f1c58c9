"""Sample restricted zones (限行区域) for dangerous-goods vehicles, after 第四十九条 of the 2019 measures:

- drinking-water source protection areas: the Songhua from Fengman Dam down to Jilin City's intakes
  (the river centre line of the base samples, 600 m either side), Changchun's Xinlicheng (新立城)
  and Shitoukoumen (石头口门) reservoirs — banned at all hours;
- bridges: Songhua crossings of the base samples (a circle around the bridge's centre stake reaching
  150 m past each abutment) — the urban bridges of Jilin City by day, the super-major bridge at
  Songyuan and the Fuyu bridge by night;
- city centres of the larger seats with rush-hour bans (07:00–09:00, 17:00–19:00).

No sample tunnel exists in the base network, so no tunnel zone is made.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from domains.base import sample_dir
from domains.base.features import read_collection
from domains.base.geography import JILIN_CITY
from domains.base.measure import to_lonlat, to_metres

BASIS = "《危险货物道路运输安全管理办法》第四十九条"
RUSH_HOURS = "07:00-09:00,17:00-19:00"

#: (zone id, name, centre lon/lat, semi-axes east/north in m, adcode, authority)
RESERVOIRS = (
    ("RZ-WS-002", "新立城水库饮用水水源保护区", (125.330, 43.635), (2000.0, 3400.0), "220100", "长春市人民政府"),
    ("RZ-WS-003", "石头口门水库饮用水水源保护区", (125.775, 43.945), (3000.0, 4200.0), "220100", "长春市人民政府"),
)
#: (zone id, name, centre lon/lat, radius m, adcode, authority)
CITY_CENTRES = (
    ("RZ-CC-001", "长春市中心城区限行区", (125.32, 43.82), 4500.0, "220100", "长春市公安局交通警察支队"),
    ("RZ-CC-002", "吉林市中心城区限行区", (126.55, 43.84), 3500.0, "220200", "吉林市公安局交通警察支队"),
    ("RZ-CC-003", "四平市中心城区限行区", (124.35, 43.17), 3000.0, "220300", "四平市公安局交通警察支队"),
    ("RZ-CC-004", "松原市中心城区限行区", (124.83, 45.14), 3000.0, "220700", "松原市公安局交通警察支队"),
    ("RZ-CC-005", "延吉市中心城区限行区", (129.51, 42.89), 3000.0, "222400", "延边州公安局交通警察支队"),
)
#: bridge code → (zone id, banned hours, authority)
BRIDGES = {
    "G302L0355255": ("RZ-BR-001", "06:00-22:00", "吉林市公安局交通警察支队"),
    "G202L0821985": ("RZ-BR-002", "06:00-22:00", "吉林市公安局交通警察支队"),
    "G45L0182268": ("RZ-BR-003", "22:00-06:00", "松原市公安局交通警察支队"),
    "G102L1137540": ("RZ-BR-004", "22:00-06:00", "松原市公安局交通警察支队"),
}


def _lonlat(metric: BaseGeometry) -> MultiPolygon:
    geometry = shapely.transform(metric, lambda xy: np.round(to_lonlat(xy), 6))
    geometry = shapely.make_valid(geometry)
    polygons = [g for g in shapely.get_parts(geometry) if isinstance(g, Polygon)]
    return MultiPolygon(polygons)


def _circle(lon: float, lat: float, radius: float) -> MultiPolygon:
    centre = to_metres(np.array([[lon, lat]]))[0]
    return _lonlat(Point(centre).buffer(radius, quad_segs=16))


def _ellipse(lon: float, lat: float, east: float, north: float) -> MultiPolygon:
    centre = to_metres(np.array([[lon, lat]]))[0]
    angle = np.linspace(0.0, 2.0 * np.pi, 64, endpoint=False)
    ring = np.column_stack([centre[0] + east * np.cos(angle), centre[1] + north * np.sin(angle)])
    return _lonlat(Polygon(ring))


def _upper_songhua() -> MultiPolygon:
    """600 m either side of the Songhua from Fengman Dam to the centre of Jilin City."""
    features = read_collection(sample_dir() / "river_centerline.geojson")
    reach = next(f for f in features if f["properties"]["reach_code"] == "FM-WLT")
    coords = np.array(reach["geometry"]["coordinates"], dtype=float)
    nearest = int(np.argmin(np.hypot(coords[:, 0] - JILIN_CITY[0], coords[:, 1] - JILIN_CITY[1])))
    line = LineString(to_metres(coords[: nearest + 1]))
    return _lonlat(line.buffer(600.0, quad_segs=8))


def zone_features() -> list[dict]:
    """The zones as (geometry, properties) feature mappings, in zone id order."""
    zones = [{"geometry": _upper_songhua(), "properties": {
        "zone_id": "RZ-WS-001", "kind": "water_source", "name_zh": "松花江吉林市区上游饮用水水源保护区",
        "banned_hours": "", "adcode": "220200", "authority": "吉林市人民政府"}}]
    for zone_id, name, (lon, lat), (east, north), adcode, authority in RESERVOIRS:
        zones.append({"geometry": _ellipse(lon, lat, east, north), "properties": {
            "zone_id": zone_id, "kind": "water_source", "name_zh": name, "banned_hours": "", "adcode": adcode,
            "authority": authority}})
    bridges = {f["properties"]["bridge_code"]: f for f in read_collection(sample_dir() / "bridges.geojson")}
    for code, (zone_id, hours, authority) in BRIDGES.items():
        bridge = bridges[code]
        p = bridge["properties"]
        lon, lat = bridge["geometry"]["coordinates"]
        zones.append({"geometry": _circle(lon, lat, float(p["length_m"]) / 2.0 + 150.0), "properties": {
            "zone_id": zone_id, "kind": "bridge", "name_zh": f"{p['name_zh']}（危险货物运输车辆禁行）",
            "banned_hours": hours, "bridge_code": code, "adcode": p["adcode"], "authority": authority}})
    for zone_id, name, (lon, lat), radius, adcode, authority in CITY_CENTRES:
        zones.append({"geometry": _circle(lon, lat, radius), "properties": {
            "zone_id": zone_id, "kind": "city_centre", "name_zh": name, "banned_hours": RUSH_HOURS,
            "adcode": adcode, "authority": authority}})
    for zone in zones:
        zone["properties"]["basis"] = BASIS
    return sorted(zones, key=lambda z: z["properties"]["zone_id"])
