"""The expressway domain's spatial rules: the nearest emergency resources for an event.

`NearestResourcesRule` wakes when an event is created in `exp_events` and when asked for
(`requested` with layer `exp_events`; payload `fid`, or `route` + `stake` for any place, and
optionally `k`). It writes nothing: its findings (one per resource, nearest first, with the
distance along the roads and the estimated arrival time) are what the dispatcher reads.
May import: `layers`, `domains.base`, `domains.framework`, `domains.expressway`; never `gis_server`.
"""

from __future__ import annotations

from domains.base.linear_ref import Position, format_reference, parse_stake, road_index
from domains.expressway.nearest import DEFAULT_K, EVENTS_LAYER, event_origin, nearest_resources
from domains.framework.rules import Finding, Rule, RuleContext, RuleEvent, RuleResult, Trigger
from layers.errors import InvalidQuery

RULE_ID = "expressway.nearest_resources"


def origin_of(event: RuleEvent, context: RuleContext) -> Position:
    """The place the rule is asked about: an event (`fid`) or a route + stake."""
    payload = event.payload
    if payload.get("fid") is not None:
        return event_origin(context.registry, int(payload["fid"]))[0]
    if payload.get("route") and payload.get("stake") is not None:
        stake = payload["stake"]
        stake_m = parse_stake(stake) if isinstance(stake, str) else float(stake)
        return road_index(context.registry).position(str(payload["route"]), stake_m)
    raise InvalidQuery("需要事件 fid 或 路线+桩号 / give an event fid or a route and stake", parameter="fid")


class NearestResourcesRule(Rule):
    id = RULE_ID
    title_zh = "最近应急资源"
    title_en = "Nearest emergency resources"
    triggers = (Trigger("feature_created", EVENTS_LAYER), Trigger("requested", EVENTS_LAYER))

    def run(self, event: RuleEvent, context: RuleContext) -> RuleResult:
        origin = origin_of(event, context)
        k = int(event.payload.get("k") or DEFAULT_K)
        result = RuleResult()
        where = format_reference(origin.route_code, origin.stake_m)
        for rank, reach in enumerate(nearest_resources(context.registry, origin, k), start=1):
            props = reach.properties()
            message = (f"{rank}. {reach.resource.name_zh}：沿路网 {props['network_distance_m'] / 1000:.1f} 公里，"
                       f"预计 {props['travel_time_min']:.0f} 分钟到达 {where} / "
                       f"{props['network_distance_m'] / 1000:.1f} km by road, about "
                       f"{props['travel_time_min']:.0f} min to {where}")
            result.findings.append(Finding(self.id, "info", message, reach.feature()["geometry"],
                                           {**props, "rank": rank, "event_fid": event.payload.get("fid")}))
        if not result.findings:
            result.findings.append(Finding(self.id, "warning",
                                           f"{where} 沿路网无可达的应急资源 / no emergency resource reaches {where}"))
        return result


RULES = (NearestResourcesRule(),)
