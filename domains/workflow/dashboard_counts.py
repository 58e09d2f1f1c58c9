"""The command-centre dashboard's figures, aggregated in the store (one SQL statement per figure).

Over the workflow layers given (those a caller may read), at an instant `now`:

- `state_counts`: items per layer, workflow state and region (`adcode`), with how many of them are
  overdue — open (state not terminal) with a deadline before `now`, the definition of
  `domains.workflow.listing` and of the statistics' `overdue_now`, so the dashboard needs no sweep;
- `organisation_counts`: open items per layer and holding organisation (`holder_org`), how many of
  them are overdue and the earliest deadline among those;
- `daily_flow`: per China-time day of [start, end), the items created (a history row without a
  from-state) and closed (a step into one of its layer's terminal states).

Each is one `UNION ALL` (or one history scan) with `GROUP BY`, so a few hundred grouped rows come
back however many items the layers hold; callers merge those rows into domains, state names and
regions. The statements take the instant, window and region as bound parameters and are built once
per store kind and set of layer definitions (`_statement`). May import: `layers` (never
`gis_server`, never a business domain).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from domains.workflow.dashboard_sql import china_day, history_table, layer_table, reading
from domains.workflow.fields import REGION_FIELD
from layers.model import LayerDefinition
from layers.stores.base import FeatureStore
from layers.workflow import DEADLINE_FIELD, HOLDER_ORG_FIELD, STATE_FIELD


@dataclass(frozen=True, slots=True)
class StateCount:
    layer_id: str
    state: str | None
    region: str | None
    items: int
    overdue: int


@dataclass(frozen=True, slots=True)
class OrganisationCount:
    layer_id: str
    organisation: str | None
    open: int
    overdue: int
    #: The earliest deadline among the organisation's overdue items of the layer (None: none overdue).
    oldest_deadline: datetime | None


@dataclass(frozen=True, slots=True)
class DayFlow:
    day: date
    created: int
    closed: int


#: Built statements by (figure, store kind, layer definitions, region asked), with the definitions they
#: were built from (held, so the ids in the key stay unique).
_STATEMENTS: dict[tuple[object, ...], tuple[tuple[LayerDefinition, ...], sa.Executable]] = {}
_STATEMENTS_KEPT = 64
_LOCK = threading.Lock()

NOW, REGION, START, END = (sa.bindparam(name) for name in ("now", "region", "start", "end"))


def _statement(figure: str, store: FeatureStore, layers: Sequence[LayerDefinition], region: bool,
               build: Callable[[], sa.Executable]) -> sa.Executable:
    key = (figure, store.kind, tuple(id(layer) for layer in layers), region)
    with _LOCK:
        found = _STATEMENTS.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], layers, strict=True)):
        return found[1]
    statement = build()
    with _LOCK:
        if len(_STATEMENTS) >= _STATEMENTS_KEPT:
            _STATEMENTS.clear()
        _STATEMENTS[key] = (tuple(layers), statement)
    return statement


def _workflow_layers(layers: Sequence[LayerDefinition], region: str | None) -> list[LayerDefinition]:
    return [layer for layer in layers if layer.workflow is not None
            and (region is None or layer.field(REGION_FIELD) is not None)]


def _open(layer: LayerDefinition, table: sa.Table) -> sa.ColumnElement[bool]:
    assert layer.workflow is not None
    terminal = sorted(layer.workflow.terminal_states)
    return table.c[STATE_FIELD].not_in(terminal) if terminal else sa.true()


def _region(layer: LayerDefinition, table: sa.Table) -> sa.ColumnElement[str | None]:
    return table.c[REGION_FIELD] if layer.field(REGION_FIELD) is not None else sa.null()


def _union(selects: list[sa.Select[tuple[object, ...]]]) -> sa.Executable:
    return selects[0] if len(selects) == 1 else sa.union_all(*selects)


def _state_select(store: FeatureStore, layer: LayerDefinition, region: bool) -> sa.Select[tuple[object, ...]]:
    table = layer_table(store, layer)
    state, where_region = table.c[STATE_FIELD], _region(layer, table)
    overdue = sa.and_(table.c[DEADLINE_FIELD] < NOW, _open(layer, table))
    select = (sa.select(sa.literal(layer.id, sa.Text).label("layer_id"), state.label("state"),
                        where_region.label("region"), sa.func.count().label("items"),
                        sa.func.sum(sa.case((overdue, 1), else_=0)).label("overdue"))
              .group_by(*((state, where_region) if layer.field(REGION_FIELD) is not None else (state,))))
    return select.where(where_region == REGION) if region else select


def state_counts(store: FeatureStore, layers: Sequence[LayerDefinition], now: datetime, *,
                 region: str | None = None) -> list[StateCount]:
    """Items per (layer, state, region) with their overdue count; only `region` when given."""
    chosen = _workflow_layers(layers, region)
    if not chosen:
        return []
    statement = _statement("states", store, chosen, region is not None, lambda: _union(
        [_state_select(store, layer, region is not None) for layer in chosen]))
    with reading(store) as conn:
        rows = conn.execute(statement, {"now": now, "region": region}).all()
    return [StateCount(str(row[0]), row[1], None if row[2] in (None, "") else str(row[2]), int(row[3]),
                       int(row[4] or 0)) for row in rows]


def _organisation_select(store: FeatureStore, layer: LayerDefinition,
                         region: bool) -> sa.Select[tuple[object, ...]]:
    table = layer_table(store, layer)
    organisation, deadline = table.c[HOLDER_ORG_FIELD], table.c[DEADLINE_FIELD]
    late = deadline < NOW
    select = (sa.select(sa.literal(layer.id, sa.Text).label("layer_id"), organisation.label("organisation"),
                        sa.func.count().label("open"), sa.func.sum(sa.case((late, 1), else_=0)).label("overdue"),
                        sa.func.min(sa.case((late, deadline))).label("oldest"))
              .where(_open(layer, table)).group_by(organisation))
    return select.where(_region(layer, table) == REGION) if region else select


def organisation_counts(store: FeatureStore, layers: Sequence[LayerDefinition], now: datetime, *,
                        region: str | None = None) -> list[OrganisationCount]:
    """Open items per (layer, holding organisation): how many, how many overdue, the oldest deadline missed."""
    chosen = _workflow_layers(layers, region)
    if not chosen:
        return []
    statement = _statement("organisations", store, chosen, region is not None, lambda: _union(
        [_organisation_select(store, layer, region is not None) for layer in chosen]))
    with reading(store) as conn:
        rows = conn.execute(statement, {"now": now, "region": region}).all()
    return [OrganisationCount(str(row[0]), row[1] or None, int(row[2]), int(row[3] or 0), row[4]) for row in rows]


def _flow_select(store: FeatureStore, layers: Sequence[LayerDefinition], region: bool) -> sa.Executable:
    c = history_table(store).c
    # one (layer, terminal state) list rather than an OR per layer: one look-up per row on both stores
    terminal = [(layer.id, state) for layer in layers if layer.workflow is not None
                for state in sorted(layer.workflow.terminal_states)]
    closing = sa.tuple_(c.layer_id, c.to_state).in_(terminal) if terminal else sa.false()
    day = sa.type_coerce(china_day(store, c.at), sa.Text).label("day")
    select = (sa.select(day, sa.func.sum(sa.case((c.from_state.is_(None), 1), else_=0)).label("created"),
                        sa.func.sum(sa.case((sa.and_(c.from_state.is_not(None), closing), 1), else_=0))
                        .label("closed"))
              .where(c.layer_id.in_([layer.id for layer in layers]), c.at >= START, c.at < END)
              .group_by(sa.literal_column("day")).order_by(sa.literal_column("day")))
    return select.where(c.region == REGION) if region else select


def daily_flow(store: FeatureStore, layers: Sequence[LayerDefinition], start: datetime, end: datetime, *,
               region: str | None = None) -> list[DayFlow]:
    """Items created and closed per China-time day with steps in [start, end); days without any left out."""
    chosen = [layer for layer in layers if layer.workflow is not None]
    if not chosen:
        return []
    statement = _statement("flow", store, chosen, region is not None,
                           lambda: _flow_select(store, chosen, region is not None))
    with reading(store) as conn:
        rows = conn.execute(statement, {"start": start, "end": end, "region": region}).all()
    return [DayFlow(date.fromisoformat(str(row[0])), int(row[1] or 0), int(row[2] or 0)) for row in rows]
