"""The road-transport domain's words: dangerous-goods classes, restricted-zone and alert kinds, the
legal limits the alerts apply, and the prefecture letters of Jilin plates.

Sources (see docs/positions.md):
- GB 6944-2012 《危险货物分类和品名编号》: the nine classes of dangerous goods;
- 《危险货物道路运输安全管理办法》(交通运输部等令 2019 年第 29 号) 第四十六条: a dangerous-goods vehicle
  drives at most 80 km/h on expressways and 60 km/h on other roads, or slower where the posted
  limit is lower; 第四十九条: the places where its passage may be restricted (cities, drinking-water
  source protection areas, super-major bridges and extra-long tunnels, …);
- 《中华人民共和国道路交通安全法实施条例》第六十二条第（七）项: driving more than 4 hours without
  stopping to rest, or resting less than 20 minutes, is fatigue driving (疲劳驾驶).
"""

from __future__ import annotations

from typing import Final

#: GB 6944-2012 classes: code → (Chinese label, English label).
GOODS_CLASSES: Final[dict[str, tuple[str, str]]] = {
    "1": ("第1类 爆炸品", "Class 1 explosives"),
    "2": ("第2类 气体", "Class 2 gases"),
    "3": ("第3类 易燃液体", "Class 3 flammable liquids"),
    "4": ("第4类 易燃固体、易于自燃的物质、遇水放出易燃气体的物质", "Class 4 flammable solids"),
    "5": ("第5类 氧化性物质和有机过氧化物", "Class 5 oxidizers and organic peroxides"),
    "6": ("第6类 毒性物质和感染性物质", "Class 6 toxic and infectious substances"),
    "7": ("第7类 放射性物质", "Class 7 radioactive material"),
    "8": ("第8类 腐蚀性物质", "Class 8 corrosive substances"),
    "9": ("第9类 杂项危险物质和物品", "Class 9 miscellaneous dangerous goods"),
}

#: Restricted-zone kinds (限行区域类型).
ZONE_KINDS: Final[dict[str, tuple[str, str]]] = {
    "water_source": ("饮用水水源保护区", "drinking-water source protection area"),
    "bridge": ("禁行桥梁", "bridge closed to dangerous goods"),
    "tunnel": ("禁行隧道", "tunnel closed to dangerous goods"),
    "city_centre": ("城区限行区", "city centre with banned hours"),
}

#: Alert kinds (报警类型).
ALERT_KINDS: Final[dict[str, tuple[str, str]]] = {
    "speeding": ("超速", "speeding"),
    "fatigue": ("疲劳驾驶", "fatigue driving"),
}

# -- legal limits ------------------------------------------------------------------------------------
#: Dangerous-goods vehicles: at most this on expressways (第四十六条) …
DG_EXPRESSWAY_KMH: Final = 80
#: … and this on every other road (and off the mapped network).
DG_OTHER_ROAD_KMH: Final = 60
#: A speeding episode must last at least this long (first to last report over the limit).
SPEEDING_MIN_SECONDS: Final = 30
#: Fatigue driving: continuous driving longer than this …
FATIGUE_DRIVING_SECONDS: Final = 4 * 3600
#: … without an idle spell at least this long (a rest).
REST_SECONDS: Final = 20 * 60
#: A report at or below this speed is "not moving" (GNSS jitter of a parked vehicle stays under it).
STOPPED_KMH: Final = 5.0
#: Reports further apart than this do not continue an episode; for fatigue the silence counts as idle.
MAX_REPORT_GAP_SECONDS: Final = 5 * 60

#: Jilin's plate prefecture letters (号牌发牌机关代号) by prefecture code.
PLATE_LETTERS: Final[dict[str, str]] = {
    "220100": "A",  # 长春
    "220200": "B",  # 吉林
    "220300": "C",  # 四平
    "220400": "D",  # 辽源
    "220500": "E",  # 通化
    "220600": "F",  # 白山
    "220800": "G",  # 白城
    "222400": "H",  # 延边
    "220700": "J",  # 松原
}
