"""Sample bus stations (道路客运站): the main stations of each prefecture seat (placed near the seat)."""

from __future__ import annotations

from shapely.geometry import Point

from domains.base.geography import prefecture

#: (code, name, adcode, offset east/north from the seat in degrees, grade, networked ticketing, departures)
STATIONS: tuple[tuple[str, str, str, tuple[float, float], str, bool, int], ...] = (
    ("KYZ-220100-01", "长春客运总站", "220100", (0.004, 0.071), "1", True, 620),
    ("KYZ-220100-02", "长春凯旋客运站", "220100", (0.012, 0.082), "1", True, 410),
    ("KYZ-220100-03", "长春高速公路客运站", "220100", (0.021, 0.064), "1", True, 380),
    ("KYZ-220100-04", "长春东站客运站", "220100", (0.058, 0.060), "2", True, 150),
    ("KYZ-220200-01", "吉林市公路客运总站", "220200", (0.003, 0.029), "1", True, 360),
    ("KYZ-220200-02", "吉林市北山客运站", "220200", (-0.024, 0.004), "2", True, 120),
    ("KYZ-220300-01", "四平市客运站", "220300", (0.010, 0.008), "1", True, 240),
    ("KYZ-220400-01", "辽源市客运站", "220400", (0.006, 0.004), "2", True, 130),
    ("KYZ-220500-01", "通化市客运站", "220500", (0.004, 0.006), "1", True, 210),
    ("KYZ-220600-01", "白山市客运站", "220600", (0.005, -0.004), "2", True, 110),
    ("KYZ-220700-01", "松原市客运站", "220700", (0.004, 0.006), "1", True, 190),
    ("KYZ-220700-02", "松原市宁江客运站", "220700", (-0.018, 0.015), "3", False, 60),
    ("KYZ-220800-01", "白城市客运站", "220800", (0.006, 0.003), "2", True, 140),
    ("KYZ-222400-01", "延吉长途客运站", "222400", (0.004, 0.005), "1", True, 260),
    ("KYZ-222400-02", "延吉西客运站", "222400", (-0.025, 0.003), "3", False, 70),
)


def station_features() -> list[dict]:
    features = []
    for code, name, adcode, (dx, dy), grade, online, departures in STATIONS:
        seat = prefecture(adcode)
        features.append({"geometry": Point(round(seat.lon + dx, 6), round(seat.lat + dy, 6)), "properties": {
            "station_code": code, "name_zh": name, "grade": grade, "online_ticketing": online,
            "daily_departures": departures, "adcode": adcode}})
    return features
