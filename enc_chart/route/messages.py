"""The sentences a route check says about each violation, Chinese first and English beside."""

from __future__ import annotations

import math

from enc_chart.route.vessel import AIR_MARGIN_M, WIDTH_MARGIN_M, Vessel

#: S-57 RESTRN codes a crew most needs spelt out.
RESTRICTIONS: dict[str, tuple[str, str]] = {
    "1": ("禁止锚泊", "anchoring prohibited"), "2": ("限制锚泊", "anchoring restricted"),
    "7": ("禁止驶入", "entry prohibited"), "8": ("限制驶入", "entry restricted"),
    "13": ("禁止停泊", "stopping prohibited"), "14": ("限制停泊", "stopping restricted"),
    "27": ("限速", "speed restricted"), "28": ("禁止追越", "overtaking prohibited"),
}
OBJECT_CLASSES: dict[str, tuple[str, str]] = {
    "OBSTRN": ("碍航物", "obstruction"), "WRECKS": ("沉船", "wreck"), "UWTROC": ("礁石", "rock"),
}


def depth_message(effective: float, vessel: Vessel) -> str:
    req = vessel.required_depth_m
    return (f"水深不足：当前有效水深 {effective:.2f} 米，小于吃水 {vessel.draft:g} 米加富余水深 {vessel.ukc:g} 米"
            f"（{req:.2f} 米） / depth too shallow: effective depth {effective:.2f} m now is less than draft "
            f"{vessel.draft:g} m + under-keel clearance {vessel.ukc:g} m ({req:.2f} m)")


def bridge_message(what: str, name: str, value: float, vessel: Vessel) -> str:
    if what == "air":
        if math.isnan(value):
            return (f"桥梁 {name} 未标注净空高度，无法确认能否通过 / bridge {name} has no charted vertical "
                    "clearance: passage cannot be confirmed")
        return (f"桥梁 {name} 净空高度不足：当前净高 {value:.2f} 米，小于船舶水面以上高度 {vessel.air_draft:g} 米"
                f"加余量 {AIR_MARGIN_M:g} 米 / bridge {name}: vertical clearance {value:.2f} m now is less than "
                f"air draft {vessel.air_draft:g} m + margin {AIR_MARGIN_M:g} m")
    return (f"桥梁 {name} 净宽不足：净宽 {value:.2f} 米，小于船宽 {vessel.beam:g} 米加余量 {WIDTH_MARGIN_M:g} 米 / "
            f"bridge {name}: horizontal clearance {value:.2f} m is less than beam {vessel.beam:g} m + margin "
            f"{WIDTH_MARGIN_M:g} m")


def hazard_message(object_class: str, name: str, effective: float | None, vessel: Vessel) -> str:
    zh, en = OBJECT_CLASSES.get(object_class, ("碍航物", "obstruction"))
    if effective is None:
        return (f"航道内有{zh} {name}，水深未知 / {en} {name} of unknown depth within the vessel's corridor")
    return (f"航道内有{zh} {name}：其上有效水深 {effective:.2f} 米，小于 {vessel.required_depth_m:.2f} 米 / "
            f"{en} {name} within the vessel's corridor: {effective:.2f} m of water over it now, less than "
            f"{vessel.required_depth_m:.2f} m")


def restricted_message(name: str, restrn: object) -> str:
    codes = [c.strip() for c in str(restrn or "").split(",") if c.strip()]
    labels = [RESTRICTIONS[c] for c in codes if c in RESTRICTIONS]
    zh = "、".join(label[0] for label in labels)
    en = ", ".join(label[1] for label in labels)
    return (f"航线穿越限制区 {name}{f'（{zh}）' if zh else ''} / the route enters restricted area {name}"
            f"{f' ({en})' if en else ''}")
