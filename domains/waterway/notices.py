"""Sample navigation notices (`wat_notices`): 40 notices with their histories.

19 withdrawn (2 of them drafts discarded, 3 sent back once before publication), 14 published —
3 of them still published after they expired (overdue now: the deadline of a published notice is
its `effective_to`) — 3 reviewed and 4 drafts. Each covers a stretch of the river (1–15 km of the
stored centre line) and is effective from shortly after publication to its planned end.
Times are laid out around `now`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shapely.geometry import LineString

from domains.base.measure import rng
from domains.base.sample_network import adcode_at, prefecture_short_name
from domains.framework.sample_items import Step, WorkflowItem, account, build_item, lay_out
from domains.waterway import river
from layers.model import LayerDefinition
from layers.validation import CHINA_TZ

#: (final state, overdue now, variant, how many); variants: "" plain, "discard", "send_back".
PLAN = (("withdrawn", False, "", 14), ("withdrawn", False, "discard", 2), ("withdrawn", False, "send_back", 3),
        ("published", False, "", 11), ("published", True, "", 3), ("reviewed", False, "", 2),
        ("reviewed", True, "", 1), ("draft", False, "", 3), ("draft", True, "", 1))
PATHS = {"draft": (), "reviewed": ("review",), "published": ("review", "publish"),
         "withdrawn": ("review", "publish", "withdraw")}
VARIANT_PATHS = {"discard": ("discard",), "send_back": ("review", "send_back", "review", "publish", "withdraw")}
TYPES = ("works", "closure", "buoy_change", "water_level", "event", "ice")
TYPE_P = (0.3, 0.1, 0.2, 0.15, 0.1, 0.15)
TITLES = {"works": "疏浚施工", "closure": "临时封航", "buoy_change": "航标调整", "water_level": "水位变化",
          "event": "水上活动", "ice": "冰情"}
CONTENT = {
    "works": "{stretch}进行航道疏浚施工，施工船舶锚泊作业，过往船舶减速慢行、注意避让。",
    "closure": "因{stretch}桥梁检测作业，该河段临时封航，禁止船舶通行。",
    "buoy_change": "{stretch}航标位置调整，请过往船舶按调整后的航标航行。",
    "water_level": "受丰满水电站泄流影响，{stretch}水位变化较大，过往船舶注意航行安全。",
    "event": "{stretch}举办水上活动，活动期间实行交通管制，无关船舶禁止进入。",
    "ice": "{stretch}出现流冰，船舶应停止航行并做好防冻措施。",
}
WITHDRAWALS = ("通告到期撤销 / expired", "作业提前结束 / works finished early")


def org_of(adcode: str) -> str:
    return f"吉林省地方海事局{prefecture_short_name(adcode)}分局"


def _plan() -> list[tuple[str, bool, str]]:
    rows = [(state, overdue, variant) for state, overdue, variant, count in PLAN for _ in range(count)]
    order = rng("waterway", "notice-plan").permutation(len(rows))
    return [rows[i] for i in order]


def generate_notices(layer: LayerDefinition, now: datetime) -> list[WorkflowItem]:
    return [_notice(layer, i, *profile, now) for i, profile in enumerate(_plan())]


def _notice(layer: LayerDefinition, i: int, state: str, overdue: bool, variant: str, now: datetime) -> WorkflowItem:
    draw = rng("waterway", "notice", str(i))
    kind = TYPES[int(draw.choice(len(TYPES), p=TYPE_P))]
    path = VARIANT_PATHS.get(variant, PATHS[state])
    effective_hours = float(draw.uniform(24, 24 * 30))
    times = lay_out(layer, path, draw=draw, now=now, planned_hours={"published": effective_hours}, overdue=overdue,
                    ended_hours_ago=float(draw.uniform(2, 24 * 150)) if state == "withdrawn" else 0.0)
    published = times[len(path) - path[::-1].index("publish")] if "publish" in path else None
    issued = published or times[0] + timedelta(hours=float(draw.uniform(24, 96)))
    effective_to = (issued + timedelta(hours=effective_hours)).replace(microsecond=0)
    effective_from = (issued + timedelta(hours=min(float(draw.uniform(0, 24)), effective_hours / 2))).replace(
        microsecond=0)
    start = int(draw.integers(0, river.length_m() - 16_000))
    end = start + int(draw.integers(1_000, 15_001))
    middle = river.point((start + end) / 2)
    adcode = adcode_at(*middle)
    stretch = f"松花江K{start // 1000}+{start % 1000:03d}至K{end // 1000}+{end % 1000:03d}河段"
    properties = {
        "notice_no": f"吉航通〔{times[0].astimezone(CHINA_TZ):%Y}〕{i + 1:03d}号",
        "title_zh": f"关于{stretch}{TITLES[kind]}的航行通告",
        "notice_type": kind, "start_chainage_m": start, "end_chainage_m": end,
        "effective_from": effective_from, "effective_to": effective_to,
        "content_zh": CONTENT[kind].format(stretch=stretch), "issuer_org": org_of(adcode), "adcode": adcode,
    }

    def staff(role: str, count: int) -> tuple[str, str]:
        return account(role, adcode, int(draw.integers(1, count + 1))), org_of(adcode)

    steps = [Step(times[0], *staff("notice_editor", 3))]
    for transition, at in zip(path, times[1:], strict=True):
        if transition == "review":
            steps.append(Step(at, *staff("notice_reviewer", 2), transition))
        elif transition == "publish":
            steps.append(Step(at, *staff("notice_publisher", 1), transition,
                              values={"effective_from": effective_from, "effective_to": effective_to}))
        elif transition == "send_back":
            steps.append(Step(at, *staff("notice_publisher", 1), transition, "通航安全措施表述不清，请修改 / unclear"))
        elif transition == "withdraw":
            steps.append(Step(at, *staff("notice_publisher", 1), transition, str(draw.choice(WITHDRAWALS))))
        else:  # discard
            steps.append(Step(at, *staff("notice_editor", 3), transition, "作业计划取消 / plan cancelled"))
    return build_item(layer, LineString(river.line(start, end)), properties, steps, now)
