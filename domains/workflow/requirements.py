"""What a transition needs, and whether an item and a request supply it.

A required field is supplied when it has a non-empty value in the request or already on the item;
a required attachment when the item has an attachment of that name (uploaded before the
transition, with the request naming its id or not); a comment when the request has non-blank text.
`describe` turns a transition into the JSON the API shows (and error bodies list).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from layers.model import LayerDefinition
from layers.stores.history import Attachment
from layers.workflow import WorkflowSpec, WorkflowTransition


@dataclass(frozen=True, slots=True)
class Requirement:
    """One thing a transition needs: a field, an attachment or the comment."""

    kind: str  # "field" | "attachment" | "comment"
    name: str
    title_zh: str
    present: bool

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "title_zh": self.title_zh, "present": self.present}


def filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def requirements(layer: LayerDefinition, transition: WorkflowTransition, item: Mapping[str, Any],
                 given: Mapping[str, Any] | None = None, attachments: Iterable[Attachment] = (),
                 comment: str | None = None) -> list[Requirement]:
    """Every requirement of `transition` with whether it is met (by `given` values, the item's
    properties, the item's attachments and the comment)."""
    given = given or {}
    found: list[Requirement] = []
    for name in transition.requires:
        spec = layer.field(name)
        found.append(Requirement("field", name, spec.title_zh if spec else name,
                                 filled(given.get(name)) or filled(item.get(name))))
    names = {attachment.name for attachment in attachments}
    for name in transition.attachments:
        found.append(Requirement("attachment", name, name, name in names))
    if transition.comment_required:
        found.append(Requirement("comment", "comment", "办理意见", filled(comment)))
    return found


def missing_message(missing: list[Requirement]) -> str:
    zh = "、".join(f"{r.title_zh}（{r.name}）" if r.kind != "comment" else "办理意见" for r in missing)
    en = ", ".join(f"{r.kind} {r.name}" for r in missing)
    return f"缺少办理要件：{zh} / missing: {en}"


def describe(spec: WorkflowSpec, transition: WorkflowTransition,
             needs: list[Requirement] | None = None) -> dict[str, Any]:
    """A transition as the API lists it: id, names, target state and what it requires."""
    target = spec.state(transition.to)
    out: dict[str, Any] = {
        "id": transition.id, "name_zh": transition.name_zh, "name_en": transition.name_en,
        "to": {"id": transition.to, "name_zh": target.name_zh if target else transition.to,
               "name_en": target.name_en if target else None},
        "roles": list(transition.roles), "comment_required": transition.comment_required,
    }
    if needs is not None:
        out["requires"] = [need.as_json() for need in needs]
    else:
        out["requires"] = [{"kind": "field", "name": name} for name in transition.requires] + [
            {"kind": "attachment", "name": name} for name in transition.attachments]
    return out
