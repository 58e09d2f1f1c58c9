"""Errors raised by the registry and the stores; `gis_server` maps each to an HTTP status."""

from __future__ import annotations


class OneMapError(Exception):
    """Base class. `message` is what a person reads (Chinese first, English beside)."""

    def __init__(self, message: str, *, field: str | None = None, parameter: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.parameter = parameter


class LayerNotFound(OneMapError):
    """No layer with that id (404)."""


class FeatureNotFound(OneMapError):
    """No feature with that id in the layer (404)."""


class LayerExists(OneMapError):
    """A layer with that id is already registered (409)."""


class VersionConflict(OneMapError):
    """The caller's expected feature version is not the stored one (412)."""

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class InvalidFeature(OneMapError):
    """A feature breaks the layer schema or the geometry rules (400); `field` names the culprit."""


class InvalidQuery(OneMapError):
    """A query (filter, bbox, sort, CRS, …) cannot be executed as asked (400); `parameter` names it."""


class StoreUnavailable(OneMapError):
    """The store cannot be reached or is not set up (503)."""


class WorkflowError(OneMapError):
    """A workflow request the item's state machine refuses. `extensions` are the problem+json members
    the API adds to the body (e.g. `allowed` transitions, `missing` evidence, `current_state`)."""

    def __init__(self, message: str, *, field: str | None = None, parameter: str | None = None,
                 **extensions: object) -> None:
        super().__init__(message, field=field, parameter=parameter)
        self.extensions: dict[str, object] = {k: v for k, v in extensions.items() if v is not None}


class NotAWorkflowLayer(WorkflowError):
    """The layer declares no workflow (404)."""


class TransitionNotAllowed(WorkflowError):
    """An unknown transition, or one that does not start from the item's current state (409);
    `allowed` lists the transitions that do."""


class TransitionForbidden(WorkflowError):
    """The caller's roles do not allow the transition or the creation (403); `allowed` lists what
    the caller may do now."""


class MissingEvidence(WorkflowError):
    """Fields, attachments or the comment a transition requires are missing (400); `missing` names each."""


class StateConflict(WorkflowError):
    """Another transition changed the item first (409); `current_state` and `current_version` say how
    it is now."""


class SupervisionFieldsLocked(WorkflowError):
    """A plain feature write tried to set the supervision fields of a workflow item (409); state,
    holder and deadline change only through the workflow endpoint."""


class AttachmentNotFound(WorkflowError):
    """No attachment with that id on the item (404)."""
