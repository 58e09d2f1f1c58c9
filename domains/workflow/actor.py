"""Who acts on a workflow item: the caller as the engine sees it (the web layer maps its principal)."""

from __future__ import annotations

from dataclasses import dataclass

from layers.model import LayerDefinition
from layers.workflow import WorkflowTransition


@dataclass(frozen=True, slots=True)
class Actor:
    """A person (or system) with roles, an organisation (单位) and a region (行政区划代码)."""

    name: str
    roles: frozenset[str]
    organisation: str | None = None
    region: str | None = None
    display_name: str | None = None

    @property
    def is_admin(self) -> bool:
        """Administrators may make every transition (an escape hatch the history still records)."""
        return "admin" in self.roles

    def may_make(self, transition: WorkflowTransition) -> bool:
        return self.is_admin or bool(self.roles.intersection(transition.roles))

    def may_create(self, layer: LayerDefinition) -> bool:
        """Create roles of the workflow, or the layer's write roles when it names none."""
        spec = layer.workflow
        roles = spec.create_roles if spec is not None and spec.create_roles else layer.write_roles
        return self.is_admin or bool(self.roles.intersection(roles))

    def may_handle(self, layer: LayerDefinition) -> bool:
        """Holds a role of some transition of the layer (may upload evidence to its items)."""
        spec = layer.workflow
        if spec is None:
            return False
        return self.is_admin or any(self.may_make(t) for t in spec.transitions) or self.may_create(layer)
