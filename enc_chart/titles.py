"""Chinese names of the common S-57 / Inland ENC object classes and attributes (titles people read).

Keys are acronyms as S-57 and GDAL spell them (IHO upper case, inland lower case). Anything not
listed here is titled from the catalogue's English name (`enc_chart.layers`).

May import: nothing.
"""

from __future__ import annotations

CLASS_ZH: dict[str, str] = {
    "DSID": "海图单元", "M_COVR": "数据覆盖范围", "M_QUAL": "数据质量", "M_NSYS": "助航标志系统",
    "M_NPUB": "航海出版物信息", "M_SREL": "测量可靠性", "m_nsys": "助航标志系统（内河）",
    "C_AGGR": "要素聚合", "C_ASSO": "要素关联",
    "DEPARE": "水深区", "DEPCNT": "等深线", "SOUNDG": "水深点", "DRGARE": "疏浚区", "UWTROC": "水下礁石",
    "OBSTRN": "碍航物", "WRECKS": "沉船", "COALNE": "岸线", "SLCONS": "岸线建筑", "LNDARE": "陆地",
    "LNDRGN": "陆地区域", "LNDMRK": "陆标", "LAKARE": "湖泊", "RIVERS": "河流", "CANALS": "运河",
    "SEAARE": "水域", "BUAARE": "建成区", "BUISGL": "单体建筑", "ROADWY": "道路", "RAILWY": "铁路",
    "BRIDGE": "桥梁", "bridge": "桥梁（内河）", "CBLOHD": "架空电缆", "cblohd": "架空电缆（内河）",
    "CBLSUB": "水下电缆", "PIPOHD": "架空管道", "pipohd": "架空管道（内河）", "PIPSOL": "水下管道",
    "PYLONS": "桥墩/塔架", "DAMCON": "水坝", "GATCON": "闸门", "LOKBSN": "船闸闸室", "lokbsn": "船闸闸室（内河）",
    "DYKCON": "堤坝", "DRYDOC": "干船坞", "FLODOC": "浮船坞", "flodoc": "浮船坞（内河）", "PONTON": "趸船",
    "ponton": "趸船（内河）", "HULKES": "废船", "hulkes": "废船（内河）", "MORFAC": "系泊设施",
    "BERTHS": "泊位", "berths": "泊位（内河）", "HRBARE": "港区", "hrbare": "港区（内河）",
    "HRBFAC": "港口设施", "hrbfac": "港口设施（内河）", "ACHARE": "锚地", "achare": "锚地（内河）",
    "ACHBRT": "锚位", "achbrt": "锚位（内河）", "FAIRWY": "航道", "NAVLNE": "导航线", "RECTRC": "推荐航线",
    "FERYRT": "渡船航线", "RESARE": "限制区", "resare": "限制区（内河）", "CTNARE": "警示区",
    "BOYLAT": "侧面浮标", "boylat": "侧面浮标", "BOYCAR": "方位浮标", "BOYSPP": "专用浮标",
    "BOYISD": "孤立危险物浮标", "BOYSAW": "安全水域浮标", "BCNLAT": "侧面立标", "bcnlat": "侧面立标",
    "BCNCAR": "方位立标", "BCNSPP": "专用立标", "DAYMAR": "日间标志", "TOPMAR": "顶标", "LIGHTS": "灯标",
    "LITFLT": "灯船/灯浮", "FOGSIG": "雾号", "RTPBCN": "雷达应答器", "PILPNT": "桩", "TWRTPT": "掉头区",
    "RSCSTA": "救援站", "SMCFAC": "小型船舶设施", "CURENT": "水流", "curent": "水流（内河）",
    "wtwaxs": "航道轴线", "wtwprf": "航道纵断面", "wtwgag": "水位站", "dismar": "里程标", "notmrk": "通告标志",
    "sistat": "信号站（交通）", "sistaw": "信号站（警告）", "rdocal": "报告点", "chkpnt": "检查点",
    "bunsta": "加油站", "comare": "通信区", "hrbbsn": "港池", "lkbspt": "船闸闸室部分", "prtare": "港口区",
    "refdmp": "垃圾接收站", "termnl": "码头", "trnbsn": "掉头水域", "tisdge": "时刻表", "excnst": "特殊限制",
    "wtware": "航道区", "vehtrf": "车辆渡口", "Generic": "未编目要素",
}

ATTRIBUTE_ZH: dict[str, str] = {
    "DRVAL1": "最小水深", "DRVAL2": "最大水深", "VALSOU": "水深值", "VALDCO": "等深线值", "DEPTH": "水深",
    "VERCLR": "垂直净空", "VERCCL": "关闭时垂直净空", "VERCOP": "开启时垂直净空", "VERCSA": "安全垂直净空",
    "HORCLR": "水平净空", "HORWID": "水平宽度", "HORLEN": "水平长度", "HEIGHT": "高度", "ELEVAT": "高程",
    "OBJNAM": "名称", "NOBJNM": "本国语名称", "INFORM": "说明", "NINFOM": "本国语说明", "COLOUR": "颜色",
    "COLPAT": "颜色图案", "BOYSHP": "浮标形状", "BCNSHP": "立标形状", "TOPSHP": "顶标形状", "CATLAM": "侧面标类别",
    "catlam": "侧面标类别", "CATBRG": "桥梁类别", "catbrg": "桥梁类别", "CATOBS": "碍航物类别", "CATWRK": "沉船类别",
    "CATCOV": "覆盖类别", "CATGAG": "水位站类别", "catgag": "水位站类别", "CONDTN": "状况", "CONRAD": "雷达显著",
    "CONVIS": "视觉显著", "EXPSOU": "水深暴露", "QUASOU": "水深质量", "SOUACC": "测深精度", "TECSOU": "测深技术",
    "WATLEV": "水位影响", "VERDAT": "垂直基准", "verdat": "垂直基准", "VERACC": "垂直精度", "HORACC": "水平精度",
    "NATSUR": "底质", "NATQUA": "底质性质", "RESTRN": "限制", "STATUS": "状态", "ORIENT": "方向",
    "LITCHR": "灯质", "SIGGRP": "灯光组", "SIGPER": "灯光周期", "VALNMR": "标称射程", "MARSYS": "助航标志系统",
    "marsys": "助航标志系统", "SCAMIN": "最小显示比例尺", "SCAMAX": "最大显示比例尺", "SORDAT": "资料日期",
    "SORIND": "资料来源", "RECDAT": "记录日期", "RECIND": "记录来源", "DATSTA": "起始日期", "DATEND": "终止日期",
    "PERSTA": "周期起始", "PEREND": "周期终止", "TXTDSC": "文本文件", "NTXTDS": "本国语文本文件",
    "PICREP": "图片", "wtwdis": "航道里程", "hunits": "高度单位", "higwat": "高水位", "lowwat": "低水位",
    "meawat": "平均水位", "othwat": "其他水位", "reflev": "参考水位", "sdrlev": "测深基准水位",
    "vcrlev": "净空基准水位", "sdrval": "测深基准值", "vcrval": "净空基准值", "disipd": "下游里程",
    "disipu": "上游里程", "unlocd": "ISRS 位置码", "LNAM_REFS": "关联要素",
}
