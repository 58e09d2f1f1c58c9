"""The whole enforcement sample as of one moment: inspections → clues → cases, linked.

Built once per sample time (cached): inspections are walked first (their referrals become clues),
clues are walked once to learn when they become cases, the 500 cases are numbered, and the clues
are walked again with their case numbers. `penalty_decisions` is what the credit domain's samples
cite: every decision taken by `now`, with its case number, so both sides agree without a store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from domains.enforcement import cases, clues, inspections
from domains.enforcement.cases import CaseDraft
from domains.enforcement.clues import ClueDraft
from domains.enforcement.inspections import InspectionSample
from layers.model import LayerDefinition
from layers.registry import load_layer_file


@cache
def layers() -> dict[str, LayerDefinition]:
    from domains.enforcement import layer_file

    return {layer.id: layer for layer in load_layer_file(layer_file())}


@dataclass(frozen=True, slots=True)
class Book:
    inspections: tuple[InspectionSample, ...]
    clues: tuple[ClueDraft, ...]
    cases: tuple[CaseDraft, ...]


@dataclass(frozen=True, slots=True)
class PenaltyDecision:
    """A penalty decision as the credit register records it."""

    case_no: str
    decision_no: str
    credit_code: str
    enterprise_number: int
    case_type: str
    penalty_amount: float
    decided_at: datetime
    adcode: str

    @property
    def case_type_label(self) -> str:
        """The case type's Chinese label (超限超载运输 …)."""
        spec = layers()["enf_cases"].field("case_type")
        return (spec.label_of(self.case_type) if spec else None) or self.case_type


@cache
def book(now: datetime) -> Book:
    """Every inspection, clue and case as of `now` (deterministic in `now`)."""
    walked_inspections = inspections.generate(layers()["enf_inspections"], now)
    case_numbers: dict[str, str] = {}
    clue_drafts = clues.drafts(walked_inspections, now, case_numbers)
    clues.walk_all(layers()["enf_clues"], clue_drafts, now)
    case_drafts = cases.drafts(clue_drafts, now)
    case_numbers.update({c.clue_no: c.case_no for c in case_drafts if c.clue_no})
    clues.walk_all(layers()["enf_clues"], clue_drafts, now)
    cases.walk_all(layers()["enf_cases"], case_drafts, now)
    return Book(tuple(walked_inspections), tuple(clue_drafts), tuple(case_drafts))


def penalty_decisions(now: datetime) -> list[PenaltyDecision]:
    """Every penalty decision made by `now`, in case-number order."""
    result = []
    for case in book(now).cases:
        assert case.walked is not None
        entry = case.walked.entry("decide")
        if entry is None:
            continue
        result.append(PenaltyDecision(case.case_no, str(entry.values["decision_no"]), case.enterprise.credit_code,
                                      case.enterprise.number, case.case_type,
                                      float(entry.values["penalty_amount"]), entry.at, case.adcode))
    return result
