"""The bulk path for sample loaders: workflow items with their histories, in one transaction.

    insert_items(store, layer, items, progress=None) -> list[int]

`items` are `(FeatureRecord, Sequence[HistoryEntry])` pairs: the feature already carries its
supervision properties (`workflow_state`, `holder`, `holder_org`, `state_since`, `deadline`,
`overdue`), and its history runs from creation (`from_state` None, into the initial state) to the
item's current state, in time order. Each step's `deadline` is the deadline of the state it
leaves (so `late` follows from it). Derived per step: its number, when the state it leaves was
entered (the previous step's time) and who held that state (the `holder_org` given in the previous
step's `values`, else the previous step's `actor_org`), the region (the item's `adcode`) and the
domain. A declaration the history contradicts raises `SampleHistoryError` before anything is
written; then features and history rows go in through `FeatureStore.insert_with_history` (COPY on
PostGIS), all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from domains.workflow.engine import workflow_of
from domains.workflow.fields import region_of
from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord, FeatureStore, Progress
from layers.stores.history import HistoryRow
from layers.validation import check_geometry, check_properties
from layers.workflow import HOLDER_ORG_FIELD, STATE_FIELD, HistoryEntry, WorkflowSpec


class SampleHistoryError(ValueError):
    """A sample item's history does not follow its layer's workflow."""


def insert_items(store: FeatureStore, layer: LayerDefinition,
                 items: Iterable[tuple[FeatureRecord, Sequence[HistoryEntry]]],
                 progress: Progress | None = None) -> list[int]:
    """Insert the items and their histories in ONE transaction; returns the new fids in order."""
    spec = workflow_of(layer)
    prepared = list(_prepare(layer, spec, items))
    return store.insert_with_history(layer, prepared, progress)


def _prepare(layer: LayerDefinition, spec: WorkflowSpec,
             items: Iterable[tuple[FeatureRecord, Sequence[HistoryEntry]]]
             ) -> Iterator[tuple[FeatureRecord, list[HistoryRow]]]:
    for index, (record, entries) in enumerate(items):
        properties = check_properties(layer, record.properties)
        checked = FeatureRecord(geometry=check_geometry(layer, record.geometry), properties=properties,
                                fid=record.fid)
        yield checked, _rows(layer, spec, index, properties, entries)


def _rows(layer: LayerDefinition, spec: WorkflowSpec, index: int, properties: dict[str, object],
          entries: Sequence[HistoryEntry]) -> list[HistoryRow]:
    where = f"{layer.id} item {index}"
    if not entries:
        raise SampleHistoryError(f"{where}: no history (a workflow item needs at least its creation)")
    region = region_of(properties)
    rows: list[HistoryRow] = []
    previous: HistoryEntry | None = None
    for seq, entry in enumerate(entries, start=1):
        _check_step(spec, where, seq, entry, previous)
        held_by = None
        if previous is not None:
            handed = previous.values.get(HOLDER_ORG_FIELD)
            held_by = str(handed) if handed else previous.actor_org
        rows.append(HistoryRow(
            layer_id=layer.id, fid=0, seq=seq, at=entry.at, actor=entry.actor, to_state=entry.to_state,
            from_state=entry.from_state, transition=entry.transition, actor_org=entry.actor_org,
            holder_org=held_by, region=region, domain=layer.domain, comment=entry.comment,
            values=dict(entry.values), geometry=entry.geometry,
            state_since=previous.at if previous is not None else None, deadline=entry.deadline, late=entry.late))
        previous = entry
    if entries[-1].to_state != properties.get(STATE_FIELD):
        raise SampleHistoryError(f"{where}: history ends in {entries[-1].to_state!r} but the item is in "
                                 f"{properties.get(STATE_FIELD)!r}")
    return rows


def _check_step(spec: WorkflowSpec, where: str, seq: int, entry: HistoryEntry, previous: HistoryEntry | None) -> None:
    if entry.at.tzinfo is None:
        raise SampleHistoryError(f"{where} step {seq}: time without a UTC offset")
    if previous is None:
        if entry.from_state is not None or entry.to_state != spec.initial:
            raise SampleHistoryError(f"{where}: the first step must create the item in {spec.initial!r}")
        return
    if entry.at < previous.at:
        raise SampleHistoryError(f"{where} step {seq}: earlier than the step before it")
    if entry.from_state != previous.to_state:
        raise SampleHistoryError(f"{where} step {seq}: leaves {entry.from_state!r}, but the item was in "
                                 f"{previous.to_state!r}")
    transition = spec.transition(entry.transition or "")
    if transition is None or entry.from_state not in transition.from_states or transition.to != entry.to_state:
        raise SampleHistoryError(f"{where} step {seq}: no transition {entry.transition!r} from "
                                 f"{entry.from_state!r} to {entry.to_state!r}")
