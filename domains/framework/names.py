"""Synthetic Chinese person names for sample data (officers, inspectors, staff): a surname and one or
two given-name characters, drawn from common characters, distinct within one call. Fictitious by
construction; no real person is meant."""

from __future__ import annotations

import numpy as np

_SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈彭吕苏卢蒋蔡贾丁魏薛叶"
             "阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹常武乔贺")
_GIVEN = ("伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清"
          "飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民"
          "友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛"
          "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳")



def person_names(draw: np.random.Generator, count: int) -> list[str]:
    """Distinct synthetic Chinese names (surname + one or two given-name characters)."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        surname = _SURNAMES[int(draw.integers(len(_SURNAMES)))]
        given = "".join(_GIVEN[int(draw.integers(len(_GIVEN)))] for _ in range(1 + int(draw.random() < 0.7)))
        if surname + given not in seen:
            seen.add(surname + given)
            names.append(surname + given)
    return names
