"""The documented parameters of the Jilin base-geography samples: places, outline, river course.

Everything here is data, approximately true to the real place (coordinates in EPSG:4490
lon/lat degrees, read off small-scale maps) and deliberately simplified: the samples are
synthetic but must look like Jilin Province. The road network's route table lives in
`domains.base.routes`; the generator modules turn both into features.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Master seed of every random choice in the generator (批复文号 吉政数审批〔2021〕48号).
SEED = 2021_0048

#: Metric work (noise, Voronoi, buffers) is done in CGCS2000 / 3-degree Gauss–Krüger CM 126°E.
PROJECTED_EPSG = 4551

#: The extent every base layer declares as valid (lon/lat degrees).
VALID_EXTENT = (120.5, 40.0, 132.0, 47.0)


@dataclass(frozen=True, slots=True)
class Prefecture:
    """A prefecture-level division (地级行政区) and its seat (驻地)."""

    adcode: str
    name_zh: str
    name_en: str
    kind: str  # "city" 地级市 | "autonomous_prefecture" 自治州
    seat_zh: str
    seat_en: str
    lon: float
    lat: float
    population: float  # 常住人口, 万人 (2020 census, rounded)


PREFECTURES: tuple[Prefecture, ...] = (
    Prefecture("220100", "长春市", "Changchun", "city", "长春市", "Changchun", 125.32, 43.82, 906.7),
    Prefecture("220200", "吉林市", "Jilin", "city", "吉林市", "Jilin", 126.55, 43.84, 362.4),
    Prefecture("220300", "四平市", "Siping", "city", "四平市", "Siping", 124.35, 43.17, 181.5),
    Prefecture("220400", "辽源市", "Liaoyuan", "city", "辽源市", "Liaoyuan", 125.14, 42.90, 99.7),
    Prefecture("220500", "通化市", "Tonghua", "city", "通化市", "Tonghua", 125.94, 41.73, 181.2),
    Prefecture("220600", "白山市", "Baishan", "city", "白山市", "Baishan", 126.42, 41.94, 95.2),
    Prefecture("220700", "松原市", "Songyuan", "city", "松原市", "Songyuan", 124.83, 45.14, 225.3),
    Prefecture("220800", "白城市", "Baicheng", "city", "白城市", "Baicheng", 122.84, 45.62, 155.1),
    Prefecture("222400", "延边朝鲜族自治州", "Yanbian Korean Autonomous Prefecture",
               "autonomous_prefecture", "延吉市", "Yanji", 129.51, 42.89, 194.2),
)

#: The provincial capital's adcode.
CAPITAL_ADCODE = "220100"

#: Simplified outline of Jilin Province, clockwise from the western tip (Taonan). The
#: generator roughens its edges slightly; the Yalu and Tumen rivers form the south-east border.
OUTLINE: tuple[tuple[float, float], ...] = (
    (121.64, 45.22), (121.86, 45.46), (122.12, 45.58), (122.38, 45.76), (122.62, 45.97),
    (122.88, 46.08), (123.15, 46.22), (123.50, 46.30), (123.85, 46.22), (124.02, 46.00),
    (124.25, 45.78), (124.55, 45.60), (124.85, 45.52), (125.15, 45.50), (125.50, 45.55),
    (125.82, 45.52), (126.05, 45.40), (126.30, 45.20), (126.60, 45.08), (126.95, 44.88),
    (127.12, 44.68), (127.35, 44.50), (127.62, 44.32), (127.95, 44.38), (128.30, 44.48),
    (128.62, 44.45), (128.90, 44.26), (129.30, 44.12), (129.72, 44.08), (130.15, 44.06),
    (130.55, 43.98), (130.90, 43.85), (131.12, 43.62), (131.30, 43.30), (131.18, 43.00),
    (131.00, 42.82), (130.78, 42.62), (130.60, 42.42), (130.45, 42.60), (130.25, 42.76),
    (130.05, 42.86), (129.88, 42.93), (129.74, 42.80), (129.66, 42.62), (129.48, 42.45),
    (129.25, 42.38), (129.02, 42.20), (128.72, 42.08), (128.42, 42.02), (128.15, 41.97),
    (128.32, 41.60), (128.28, 41.45), (128.15, 41.36), (127.85, 41.40), (127.50, 41.48),
    (127.20, 41.55), (126.98, 41.74), (126.78, 41.62), (126.55, 41.40), (126.32, 41.14),
    (126.12, 41.00), (125.90, 40.88), (125.68, 40.92), (125.55, 41.10), (125.48, 41.35),
    (125.40, 41.55), (125.28, 41.78), (125.30, 42.05), (125.20, 42.25), (125.05, 42.45),
    (124.88, 42.62), (124.70, 42.88), (124.50, 42.95), (124.28, 42.98), (124.05, 43.05),
    (123.80, 43.18), (123.55, 43.28), (123.30, 43.38), (123.05, 43.55), (123.10, 43.80),
    (123.20, 44.00), (122.95, 44.15), (122.62, 44.35), (122.30, 44.55), (121.98, 44.80),
    (121.72, 45.00),
)


@dataclass(frozen=True, slots=True)
class Place:
    """A county seat or town: seeds the prefecture partition and names stations and bridges."""

    name_zh: str
    lon: float
    lat: float
    adcode: str


def _places(adcode: str, *rows: tuple[str, float, float]) -> tuple[Place, ...]:
    return tuple(Place(name, lon, lat, adcode) for name, lon, lat in rows)


#: County-level seats and larger towns inside Jilin, by prefecture (approximate positions).
PLACES: tuple[Place, ...] = (
    *_places("220100", ("长春", 125.32, 43.82), ("双阳", 125.66, 43.52), ("九台", 125.84, 44.15),
             ("农安", 125.18, 44.43), ("德惠", 125.70, 44.53), ("榆树", 126.53, 44.84),
             ("公主岭", 124.82, 43.50), ("范家屯", 125.08, 43.62), ("米沙子", 125.38, 44.14),
             ("合隆", 125.22, 44.06), ("净月", 125.46, 43.78), ("兴隆山", 125.56, 43.91),
             ("西新", 125.14, 43.87), ("奢岭", 125.67, 43.72), ("布海", 125.92, 44.70),
             ("郭家店", 124.60, 43.42)),
    *_places("220200", ("吉林", 126.55, 43.84), ("永吉", 126.50, 43.67), ("蛟河", 127.34, 43.72),
             ("桦甸", 126.74, 42.97), ("舒兰", 126.95, 44.41), ("磐石", 126.06, 42.95),
             ("岔路河", 126.13, 43.70), ("江密峰", 126.84, 43.80), ("天岗", 127.05, 43.72),
             ("黄松甸", 127.70, 43.62), ("烟筒山", 126.03, 43.30), ("红石", 127.13, 42.95),
             ("乌拉街", 126.47, 44.07)),
    *_places("220300", ("四平", 124.35, 43.17), ("梨树", 124.33, 43.31), ("伊通", 125.30, 43.35),
             ("双辽", 123.50, 43.52), ("叶赫", 124.70, 43.12)),
    *_places("220400", ("辽源", 125.14, 42.90), ("东丰", 125.53, 42.68), ("东辽", 125.00, 42.93)),
    *_places("220500", ("通化", 125.94, 41.73), ("快大茂", 125.76, 41.68), ("梅河口", 125.68, 42.53),
             ("集安", 126.19, 41.12), ("柳河", 125.74, 42.28), ("辉南", 126.05, 42.68)),
    *_places("220600", ("白山", 126.42, 41.94), ("江源", 126.59, 42.06), ("抚松", 127.28, 42.33),
             ("靖宇", 126.81, 42.39), ("长白", 128.20, 41.42), ("临江", 126.92, 41.81),
             ("松江河", 127.48, 42.18), ("露水河", 127.78, 42.48)),
    *_places("220700", ("松原", 124.83, 45.14), ("长岭", 123.99, 44.27), ("乾安", 124.02, 45.01),
             ("扶余", 126.04, 44.99), ("查干花", 124.30, 44.75), ("太平川", 123.40, 44.05)),
    *_places("220800", ("白城", 122.84, 45.62), ("洮南", 122.78, 45.33), ("大安", 124.29, 45.51),
             ("镇赉", 123.20, 45.85), ("通榆", 123.09, 44.81)),
    *_places("222400", ("延吉", 129.51, 42.89), ("图们", 129.84, 42.97), ("敦化", 128.23, 43.37),
             ("珲春", 130.37, 42.87), ("龙井", 129.43, 42.77), ("和龙", 129.01, 42.55),
             ("汪清", 129.77, 43.31), ("安图", 128.90, 43.11), ("朝阳川", 129.37, 42.88),
             ("大石头", 128.51, 43.31), ("二道白河", 128.12, 42.40), ("黄泥河", 128.02, 43.95),
             ("罗子沟", 130.15, 43.72), ("春化", 130.63, 43.35), ("老头沟", 129.13, 42.92),
             ("雁鸣湖", 128.62, 43.92), ("额穆", 127.95, 43.85), ("大蒲柴河", 127.80, 42.95)),
)

#: Places just outside the province where routes come from or lead to (used as waypoints only).
OUTSIDE: dict[str, tuple[float, float]] = {
    "昌图": (124.11, 42.78), "西丰": (124.72, 42.74), "清原": (124.92, 42.10), "桓仁": (125.36, 41.27),
    "双城": (126.31, 45.38), "五常": (127.16, 44.93), "宁安": (129.47, 44.34),
    "乌兰浩特": (122.07, 46.08), "通辽": (122.26, 43.62), "肇源": (125.10, 45.70),
}

#: Rivers crossed by road bridges, by prefecture (bridge names are drawn from these).
RIVERS_BY_PREFECTURE: dict[str, tuple[str, ...]] = {
    "220100": ("伊通河", "饮马河", "雾开河", "新开河", "沐石河", "双阳河", "卡伦河"),
    "220200": ("牤牛河", "鳌龙河", "蛟河", "拉法河", "细鳞河", "岔路河", "温德河", "辉发河"),
    "220300": ("条子河", "东辽河", "招苏台河", "新开河"),
    "220400": ("东辽河", "渭津河", "横道河"),
    "220500": ("浑江", "一统河", "柳河", "大沙河", "三统河", "辉发河"),
    "220600": ("浑江", "头道松花江", "汤河", "松江河", "五道沟河"),
    "220700": ("拉林河", "大金碑河", "新城局河"),
    "220800": ("洮儿河", "蛟流河", "霍林河", "嫩江"),
    "222400": ("布尔哈通河", "海兰江", "嘎呀河", "珲春河", "牡丹江", "古洞河", "富尔河", "红旗河"),
}

# --- the Songhua (第二松花江) below Fengman Dam --------------------------------------------

#: Fengman Dam (丰满大坝), 43°43′10″N 126°41′19″E: chainage 0 of the river centre line.
FENGMAN_DAM = (126.6886, 43.7194)
#: Wolongtan (卧龙潭), end of the electronic-navigational-chart pilot reach, north of Jilin City.
WOLONGTAN = (126.495, 43.925)
#: Jilin City centre, which the river runs through.
JILIN_CITY = (126.55, 43.84)

#: The river course downstream from the dam (lon, lat); the generator meanders between them.
RIVER_COURSE: tuple[tuple[float, float], ...] = (
    FENGMAN_DAM, (126.655, 43.745), (126.615, 43.775), (126.585, 43.805), JILIN_CITY,
    (126.545, 43.880), (126.520, 43.900), WOLONGTAN, (126.470, 44.000), (126.465, 44.070),
    (126.420, 44.200), (126.360, 44.330), (126.250, 44.480), (126.150, 44.620),
    (126.050, 44.760), (125.900, 44.900), (125.700, 45.000), (125.450, 45.060),
    (125.150, 45.120), (124.880, 45.170), (124.820, 45.260), (124.880, 45.380),
)


@dataclass(frozen=True, slots=True)
class Reach:
    """A named stretch of the river between two points of the course."""

    code: str
    name_zh: str
    name_en: str
    end: tuple[float, float] | None  # downstream end (a point on the course); None = course end
    pilot: bool = False


REACHES: tuple[Reach, ...] = (
    Reach("FM-WLT", "丰满大坝—卧龙潭段", "Fengman Dam – Wolongtan", WOLONGTAN, pilot=True),
    Reach("WLT-SY", "卧龙潭—松原段", "Wolongtan – Songyuan", (124.880, 45.170)),
    Reach("SY-SCH", "松原—三岔河段", "Songyuan – Sanchahe", None),
)

#: Water-surface width of the river area, metres (varies smoothly along the river).
RIVER_WIDTH_RANGE_M = (200.0, 600.0)


def place(name: str) -> tuple[float, float]:
    """Coordinates of a named place inside (PLACES) or just outside (OUTSIDE) the province."""
    for candidate in PLACES:
        if candidate.name_zh == name:
            return (candidate.lon, candidate.lat)
    if name in OUTSIDE:
        return OUTSIDE[name]
    raise KeyError(f"unknown place {name!r}")


def prefecture(adcode: str) -> Prefecture:
    for entry in PREFECTURES:
        if entry.adcode == adcode:
            return entry
    raise KeyError(f"unknown adcode {adcode!r}")
