"""What the stores keep for workflows: history rows, guarded transitions and attachments.

A workflow item's life is an append-only history (`onemap_history`): one row per step, written in
the same transaction as the state change it records. `GuardedTransition` is what a store is asked
to apply: new property values for one item, on condition that the item is still in the state and
at the version the engine read, together with the history row to append. Attachments
(`onemap_attachments`) are the evidence files a transition may require.

The engine that decides what to write lives in `domains.workflow`; stores only keep it.
May import: shapely, `layers.errors` and `layers.model`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from shapely.geometry.base import BaseGeometry

from layers.errors import FeatureNotFound, OneMapError, StateConflict, VersionConflict
from layers.model import LayerDefinition


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One stored step of an item's life (creation: `from_state` None).

    `seq` numbers an item's steps from 1; `state_since` is when `from_state` was entered and
    `deadline` the deadline that applied to it, so the time spent in a state and whether it was
    left late can be read from the row alone. `holder_org` is the organisation that held
    `from_state` (whom timeliness statistics hold to account); `actor_org` the caller's.
    """

    layer_id: str
    fid: int
    seq: int
    at: datetime
    actor: str
    to_state: str
    from_state: str | None = None
    transition: str | None = None
    actor_org: str | None = None
    holder_org: str | None = None
    region: str | None = None
    domain: str | None = None
    comment: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    #: The item's geometry at that moment (EPSG:4490 lon/lat); None on reads that skip it.
    geometry: BaseGeometry | None = None
    state_since: datetime | None = None
    deadline: datetime | None = None
    late: bool = False


@dataclass(frozen=True, slots=True)
class GuardedTransition:
    """Set `properties` on item `fid` only if it is still in `expected_state` at `expected_version`;
    append `history` (its `seq` and `geometry` are filled in by the store) in the same transaction."""

    fid: int
    expected_state: str
    expected_version: int
    properties: Mapping[str, Any]
    history: HistoryRow


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    """Which history rows statistics read: steps of these layers taken within [start, end]."""

    layer_ids: Sequence[str]
    start: datetime | None = None
    end: datetime | None = None
    domain: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """An evidence file on a workflow item. `name` is the evidence it serves as (a transition's
    `attachments` entry, e.g. `rectify_photo`); `content` is None in listings."""

    id: str
    layer_id: str
    fid: int
    name: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    content: bytes | None = None


@dataclass(frozen=True, slots=True)
class OverdueSweep:
    """What one layer's overdue sweep changed: items now overdue, items no longer overdue."""

    layer_id: str
    became_overdue: int = 0
    cleared: int = 0

    @property
    def changed(self) -> int:
        return self.became_overdue + self.cleared



def plain_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` as plain JSON data (dates and date-times as ISO 8601 text, UTC as `Z`)."""
    loaded: dict[str, Any] = orjson.loads(orjson.dumps(dict(values), option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS))
    return loaded


def missed_transition(layer: LayerDefinition, change: GuardedTransition, current: Sequence[Any] | None) -> OneMapError:
    """Why a guarded transition's conditional update matched no row, from the item's current
    (state, version) row as the store read it (None: the item is gone)."""
    if current is None:
        return FeatureNotFound(f"要素不存在 / no feature {change.fid} in collection {layer.id!r}")
    state, version = current[0], int(current[1])
    if state != change.expected_state:
        spec = layer.workflow.state(state) if layer.workflow and state else None
        name = spec.name_zh if spec else state
        return StateConflict(
            f"该事项已被他人办理，当前状态为“{name}” / the item was moved on by someone else; it is now in "
            f"state {state!r}", current_state=state, current_version=version)
    return VersionConflict(
        f"要素已被他人修改（当前版本 {version}）/ feature {change.fid} was changed by someone else "
        f"(current version {version})", current_version=version)

