"""Data-set parameters of the base cell (DSPM, read through GDAL's DSID layer): S-58 524, 525, 1513
(depth, positional-accuracy and height units must be metres: DUNI, PUNI, HUNI = 1) and 1504, 1510
(vertical datum VDAT and sounding datum SDAT must be given: a code from 1 up, not 0 or empty).
"""

from __future__ import annotations

from pathlib import Path

from enc_chart.validate.access import number
from enc_chart.validate.finding import Finding, finding
from enc_chart.validate.source import read_dsid

_UNITS = (("524", "DSPM_DUNI", "深度单位 DUNI", "depth units DUNI"),
          ("525", "DSPM_PUNI", "定位精度单位 PUNI", "positional accuracy units PUNI"),
          ("1513", "DSPM_HUNI", "高度单位 HUNI", "height units HUNI"))
_DATUMS = (("1504", "DSPM_VDAT", "垂直基准 VDAT", "vertical datum VDAT"),
           ("1510", "DSPM_SDAT", "深度基准 SDAT", "sounding datum SDAT"))


def check_dataset_parameters(base: Path) -> list[Finding]:
    dsid = read_dsid(base)
    out = []
    for check_id, key, zh, en in _UNITS:
        value = number(dsid.get(key))
        if value != 1:
            shown = "空 / empty" if value is None else f"{value:g}"
            out.append(finding(check_id, f"{zh} 为 {shown}，应为 1（米）", f"{en} is {shown}, must be 1 (metres)"))
    for check_id, key, zh, en in _DATUMS:
        value = number(dsid.get(key))
        if value is None or not 1 <= value <= 254:  # 0 and 255 are the binary encodings left for "none"
            out.append(finding(check_id, f"DSPM 未填写{zh}", f"DSPM {en} is not populated"))
    return out
