"""`DangerousGoodsZoneRule` (危险货物运输车辆闯禁行): a dangerous-goods vehicle entering a restricted
zone while its ban holds becomes an enforcement clue with the track as evidence, one per vehicle,
zone and hour (`clues.py`).

Only vehicles registered in `rt_dg_vehicles` are considered. The rule reads the batch's vehicles
from 12 minutes before the batch (the event's shared `PositionWindow`), so an entry at the start
of a batch is judged against the report before it, and a clue found in an earlier batch gets its
track extended to the exit while the entry is within that look-back.
"""

from __future__ import annotations

from domains.framework.rules import Finding, Rule, RuleContext, RuleEvent, RuleResult, Trigger
from domains.road_transport.positions.window import PositionWindow
from domains.road_transport.reference import Reference
from domains.road_transport.zones.clues import CLUES, write_clues
from domains.road_transport.zones.entries import find_entries
from layers.errors import LayerNotFound


class DangerousGoodsZoneRule(Rule):
    id = "rt_dg_restricted_zone"
    title_zh = "危险货物运输车辆闯入限行区域"
    title_en = "Dangerous-goods vehicle entering a restricted zone"
    triggers = (Trigger("positions"),)

    def run(self, event: RuleEvent, context: RuleContext) -> RuleResult:
        registry = context.registry
        result = RuleResult()
        reference = Reference.of(registry)
        if reference.zones is None or not reference.vehicles:
            return result
        for zone_id in reference.zones.unreadable:
            result.findings.append(Finding(self.id, "warning", f"限行区域 {zone_id} 的禁行时段无法识别，已跳过 / "
                                                               f"zone {zone_id}: unreadable banned hours, skipped"))
        window = PositionWindow.of(event.payload, registry.store)
        if len(window.batch) == 0:
            return result
        recent = window.recent()
        dangerous = recent.take(reference.is_dangerous_goods(recent.plate))
        entries = find_entries(dangerous, reference.zones, window.first_times())
        if not entries:
            return result
        try:
            registry.get(CLUES)
        except LayerNotFound:
            count = sum(1 for e in entries if e.fresh)
            if count:
                result.findings.append(Finding(
                    self.id, "warning", f"图层 {CLUES} 未注册，{count} 次闯入未生成线索 / layer {CLUES} is not "
                    f"registered: {count} entries left without clues"))
            return result
        writes = write_clues(registry, entries, reference, context.now())
        result.written.extend((CLUES, fid) for fid in (*writes.inserted, *writes.updated))
        for entry in (e for e in entries if e.fresh):
            result.findings.append(Finding(
                self.id, "warning",
                f"危险货物运输车辆 {entry.plate} 驶入{entry.zone_name_zh}（{entry.zone_id}）/ dangerous-goods "
                f"vehicle {entry.plate} entered restricted zone {entry.zone_id}",
                {"type": "Point", "coordinates": [entry.lon, entry.lat]},
                {"plate": entry.plate, "zone_id": entry.zone_id, "observed_ms": entry.t_ms}))
        return result
