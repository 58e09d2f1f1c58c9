"""Enforcement words shared by the generators: roles, plate letters, case-type labels."""

from __future__ import annotations

ROLES: dict[str, str] = {
    "inspector": "执法人员",
    "enforcement_lead": "执法机构负责人",
    "legal_reviewer": "法制审核人员",
    "clue_analyst": "线索甄别人员",
    "system": "监管平台规则引擎",
}

#: Prefecture plate letters (号牌发牌机关代号).
PLATE_LETTER = {"220100": "A", "220200": "B", "220300": "C", "220400": "D", "220500": "E", "220600": "F",
                "220700": "J", "220800": "G", "222400": "H"}
