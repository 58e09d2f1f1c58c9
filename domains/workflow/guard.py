"""Plain feature writes (OGC API Part 4 PUT/PATCH) and workflow items: supervision fields are locked.

State, holder, deadline and the overdue flag change only through the workflow endpoint. A
replacement may leave them out (they are kept) or repeat them unchanged; anything else is refused
with `SupervisionFieldsLocked` (409) naming the fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layers.errors import SupervisionFieldsLocked
from layers.model import LayerDefinition
from layers.workflow import SUPERVISION_FIELDS


def keep_supervision(layer: LayerDefinition, proposed: Mapping[str, Any] | None,
                     current: Mapping[str, Any]) -> Any:
    """Raw replacement properties with the supervision fields the client left out taken from `current`
    (a non-mapping is returned as is, for validation to refuse)."""
    if layer.workflow is None or not isinstance(proposed, Mapping):
        return proposed
    return {**{name: current.get(name) for name in SUPERVISION_FIELDS if name in layer.field_names}, **proposed}


def protect_supervision(layer: LayerDefinition, current: Mapping[str, Any], proposed: Mapping[str, Any]) -> None:
    """Refuse validated `proposed` properties that change a supervision field of a workflow item."""
    if layer.workflow is None:
        return
    changed = [name for name in SUPERVISION_FIELDS if name in layer.field_names
               and proposed.get(name) != current.get(name)]
    if changed:
        raise SupervisionFieldsLocked(
            f"办理状态、办理人、时限等只能经办理流程修改（/workflow）：{', '.join(changed)} / supervision fields "
            f"change only through the item's workflow endpoint: {', '.join(changed)}",
            field=changed[0], fields=changed)
