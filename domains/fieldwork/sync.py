"""Syncing a field package back: every edit applied once, or kept as a conflict — never lost.

`sync_field_gpkg` first checks the whole package (`reader.read_package`: file, tables, rows) and
that it fits this server (same store instance, the syncing person is the package's person, its
layers are still workflow layers here, moves only on point layers) — a failure is a
`FieldworkError` and nothing has been written. Then, edit by edit in recorded order:

- an edit id already receipted or filed as a conflict → skipped (a replayed sync applies nothing);
- a note → recorded as a receipt with its text (notes change no item, so they never conflict);
- the item is at the version it had when the package was built, or at the version an earlier
  applied edit of this package left it at → applied as the person (`apply.apply_edit`) and
  receipted; a refusal by the workflow (role, state, evidence, values) → a conflict record with
  cause `rejected` and the reason;
- the item changed on the server since (or was deleted, or changes while the edit is applied) → a
  conflict record with cause `conflict`, holding the server's current version and the field edit;
  the item is not touched, and later edits of the same item in the package follow it there.

Atomicity: an applied edit and its receipt are two transactions (the store API has no transaction
spanning a workflow step and an insert into another layer). If a sync stops between them, the next
sync finds the item already moved on: a transition whose last step is this very edit is receipted
as applied, a photo already on the item (its id comes from the edit id) likewise; a move then
becomes a conflict record (kept, for a supervisor) rather than being applied twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from domains.fieldwork import journal
from domains.fieldwork.apply import Applied, apply_edit, attachment_id_for, has_attachment, transition_already_made
from domains.fieldwork.edits import FieldEdit
from domains.fieldwork.errors import FieldworkError
from domains.fieldwork.reader import FieldPackage, read_package
from domains.fieldwork.records import CONFLICTS_LAYER_ID, ensure_layers
from domains.workflow.actor import Actor
from domains.workflow.deadlines import to_millisecond, utc_now
from domains.workflow.engine import STORAGE
from layers.errors import FeatureNotFound, InvalidFeature, StateConflict, VersionConflict, WorkflowError
from layers.model import GeometryType, LayerDefinition
from layers.query import StoredFeature
from layers.stores.base import FeatureStore

POINT_TYPES = (GeometryType.POINT, GeometryType.MULTIPOINT)


@dataclass(frozen=True, slots=True)
class EditOutcome:
    """What became of one edit: `record` is the receipt's or conflict record's fid, `version` the item's
    version after an applied edit."""

    edit_id: str
    layer: str
    fid: int
    kind: str
    reason: str | None = None
    record: int | None = None
    version: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"edit_id": self.edit_id, "collection": self.layer, "id": self.fid, "kind": self.kind,
                "reason": self.reason, "record": self.record, "version": self.version}


@dataclass(slots=True)
class SyncReport:
    package_id: str
    user: str
    synced_at: datetime
    applied: list[EditOutcome] = field(default_factory=list)
    skipped: list[EditOutcome] = field(default_factory=list)
    conflicts: list[EditOutcome] = field(default_factory=list)
    rejected: list[EditOutcome] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"package_id": self.package_id, "user": self.user, "synced_at": self.synced_at.isoformat(),
                "counts": {name: len(getattr(self, name)) for name in ("applied", "skipped", "conflicts", "rejected")},
                **{name: [o.as_json() for o in getattr(self, name)]
                   for name in ("applied", "skipped", "conflicts", "rejected")}}


def sync_field_gpkg(path: Path | str, store: FeatureStore, registry_layers: Sequence[LayerDefinition], actor: Actor,
                    *, now: datetime | None = None) -> SyncReport:
    """Send a field package's edits back (see the module docstring); the syncing `actor` must be the
    package's person (their current roles apply)."""
    package = read_package(path)
    layers = _fitting(package, store, registry_layers, actor)
    moment = to_millisecond(now) if now is not None else utc_now()
    ensure_layers(store)
    run = _Run(store, package, layers, actor, moment)
    for edit in package.edits:
        run.sync(edit)
    return run.report


def _fitting(package: FieldPackage, store: FeatureStore, registry_layers: Sequence[LayerDefinition],
             actor: Actor) -> dict[str, LayerDefinition]:
    info = package.info
    if info.server_instance != store.instance_id():
        raise FieldworkError("离线包不是由本服务器的数据库生成的 / the field package was built from another server's "
                             "database")
    if actor.name != info.user:
        raise FieldworkError(f"离线包属于 {info.user}，须由本人同步 / the field package belongs to {info.user!r}; "
                             "it must be synced as that person")
    by_id = {layer.id: layer for layer in registry_layers}
    gone = [layer_id for layer_id in info.layers if by_id.get(layer_id) is None or by_id[layer_id].workflow is None]
    if gone:
        raise FieldworkError(f"服务器上已没有这些流程图层：{'、'.join(gone)} / these workflow layers no longer "
                             f"exist on the server: {', '.join(gone)}")
    bad = [f"edits {edit.row}" for edit in package.edits
           if edit.kind == "move" and by_id[edit.layer_id].geometry_type not in POINT_TYPES]
    if bad:
        raise FieldworkError(f"只能调整点要素的位置：{'、'.join(bad)} / only point items can be moved: "
                             f"{', '.join(bad)}")
    return {layer_id: by_id[layer_id] for layer_id in info.layers}


class _Run:
    """One sync of one package: the edits' fates, the versions this package leaves its items at."""

    def __init__(self, store: FeatureStore, package: FieldPackage, layers: dict[str, LayerDefinition], actor: Actor,
                 now: datetime) -> None:
        self.store, self.package, self.layers, self.actor, self.now = store, package, layers, actor, now
        self.report = SyncReport(package.info.package_id, actor.name, now)
        self.handled = journal.handled(store, [edit.edit_id for edit in package.edits])
        self.versions = {**package.versions, **journal.applied_versions(store, package.info.package_id)}
        #: (layer, fid) → (evidence name, attachment id) put on the item by this sync.
        self.evidence: dict[tuple[str, int], list[tuple[str, str]]] = {}

    def sync(self, edit: FieldEdit) -> None:
        layer, key = self.layers[edit.layer_id], (edit.layer_id, edit.fid)
        if edit.edit_id in self.handled:
            self._skip(edit)
            return
        current = self._current(layer, edit.fid)
        if edit.kind == "note":
            self._receipt(edit, layer, None, current)
            return
        expected = self.versions[key]
        if current is None or current.version != expected:
            if current is not None and self._made_before(edit, layer, current):
                return
            self._conflict(edit, layer, "conflict", _changed(current), current)
            return
        try:
            applied = apply_edit(self.store, layer, edit, self.actor, expected_version=expected, now=self.now,
                                 evidence=self._evidence(edit, layer))
        except (VersionConflict, StateConflict, FeatureNotFound) as exc:
            self._conflict(edit, layer, "conflict", exc.message, self._current(layer, edit.fid))
        except (WorkflowError, InvalidFeature) as exc:
            self._conflict(edit, layer, "rejected", exc.message, current)
        else:
            self._receipt(edit, layer, applied, current)

    def _current(self, layer: LayerDefinition, fid: int) -> StoredFeature | None:
        try:
            return self.store.get(layer, fid, STORAGE)
        except FeatureNotFound:
            return None

    def _evidence(self, edit: FieldEdit, layer: LayerDefinition) -> list[str]:
        transition = layer.workflow.transition(edit.transition or "") if layer.workflow else None
        needed = set(transition.attachments) if transition else set()
        return [ident for name, ident in self.evidence.get((edit.layer_id, edit.fid), []) if name in needed]

    def _made_before(self, edit: FieldEdit, layer: LayerDefinition, current: StoredFeature) -> bool:
        """An edit an interrupted earlier sync applied but did not receipt: receipt it now."""
        if edit.kind == "transition" and transition_already_made(self.store, layer, edit, self.actor,
                                                                 self.package.info.built_at):
            self._receipt(edit, layer, Applied(current.version, None), current)
            return True
        ident = attachment_id_for(edit)
        if edit.kind == "attachment" and has_attachment(self.store, layer, edit.fid, ident):
            self._receipt(edit, layer, Applied(current.version, None, ident), current)
            return True
        return False

    def _skip(self, edit: FieldEdit) -> None:
        layer_id, record, kind = self.handled[edit.edit_id]
        if layer_id == CONFLICTS_LAYER_ID and kind == "attachment":
            journal.repair_conflict_photo(self.store, record, edit, self.actor, self.now)
        self.report.skipped.append(EditOutcome(edit.edit_id, edit.layer_id, edit.fid, edit.kind,
                                               "已同步过 / already synced", record))

    def _receipt(self, edit: FieldEdit, layer: LayerDefinition, applied: Applied | None,
                 current: StoredFeature | None) -> None:
        record = journal.write_receipt(self.store, edit, self.package.info, layer, applied, current, self.actor,
                                       self.now, self.package.geometries.get((edit.layer_id, edit.fid)))
        key = (edit.layer_id, edit.fid)
        if applied is not None:
            self.versions[key] = applied.version
            if applied.attachment_id and edit.attachment_name:
                self.evidence.setdefault(key, []).append((edit.attachment_name, applied.attachment_id))
        self.report.applied.append(EditOutcome(edit.edit_id, edit.layer_id, edit.fid, edit.kind, None, record,
                                               applied.version if applied else None))

    def _conflict(self, edit: FieldEdit, layer: LayerDefinition, cause: str, reason: str,
                  server: StoredFeature | None) -> None:
        key = (edit.layer_id, edit.fid)
        record = journal.write_conflict(
            self.store, edit, self.package.info, layer, cause=cause, reason=reason,
            exported_version=self.package.versions[key], server=server, person=self.actor, now=self.now,
            exported_geometry=self.package.geometries.get(key))
        outcome = EditOutcome(edit.edit_id, edit.layer_id, edit.fid, edit.kind, reason, record,
                              server.version if server else None)
        (self.report.conflicts if cause == "conflict" else self.report.rejected).append(outcome)


def _changed(current: StoredFeature | None) -> str:
    if current is None:
        return "事项已在服务器上删除 / the item was deleted on the server"
    return (f"事项在离线期间已在服务器上修改（当前版本 {current.version}）/ the item changed on the server since the "
            f"package was built (now version {current.version})")
