"""The ingest pipeline behind `POST /positions`: store the accepted rows, then wake the rules.

1. the parsed batch's good rows are stored in one transaction (duplicates ignored);
2. the `positions` event goes to the rules (speeding/fatigue alerts, restricted-zone clues, any
   other domain's) with the batch and a shared `PositionWindow`; every accepted row is sent, not
   only the new ones, so re-sending a batch after a failure re-evaluates it (the rules are
   idempotent); a rule that fails is reported, and the stored positions stay;
3. the dangerous-goods vehicles' points move to their newest report (throttled per process).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domains.framework.rules import Finding, RuleEvent, RuleResult
from domains.road_transport.positions.parse import ParsedBatch, Reject
from domains.road_transport.positions.store import position_store
from domains.road_transport.positions.window import PositionWindow
from domains.road_transport.vehicle_positions import move_vehicles, refresh_due
from layers.registry import LayerRegistry

Dispatch = Callable[[RuleEvent], RuleResult]


@dataclass
class IngestReport:
    received: int
    accepted: int
    stored: int
    duplicates: int
    rejects: list[Reject]
    rejected: int
    findings: list[Finding] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)
    vehicles_moved: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "received": self.received, "accepted": self.accepted, "stored": self.stored,
            "duplicates": self.duplicates, "rejected": self.rejected,
            "rejects": [reject.to_json() for reject in self.rejects],
            "written": self.written, "vehicles_moved": self.vehicles_moved,
            "findings": [{"rule": f.rule_id, "severity": f.severity, "message": f.message,
                          "geometry": f.geometry, "properties": dict(f.properties)} for f in self.findings],
        }


def ingest(registry: LayerRegistry, parsed: ParsedBatch, dispatch: Dispatch | None = None,
           move: bool = True) -> IngestReport:
    positions = position_store(registry.store)
    batch = parsed.batch
    written = positions.write(batch)
    report = IngestReport(parsed.received, len(batch), written.stored, written.duplicates, parsed.rejects,
                          parsed.rejected_rows)
    if len(batch) == 0:
        return report
    if dispatch is not None:
        event = RuleEvent("positions", payload={"batch": batch, "window": PositionWindow(positions, batch)})
        result = dispatch(event)
        report.findings = result.findings
        for layer_id, _fid in result.written:
            report.written[layer_id] = report.written.get(layer_id, 0) + 1
    if move and refresh_due():
        report.vehicles_moved = move_vehicles(registry, batch)
    return report
