"""The workflow tables in both stores: history is append-only and leaves with its layer; attachments
round-trip and belong to one item."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from domains.workflow import create_item
from layers.errors import AttachmentNotFound, FeatureNotFound
from layers.stores.history import Attachment
from tests.workflow.support import HAZARDS, OFFICER, REPORTER, T0, hazard


def test_history_rows_cannot_be_rewritten(store) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE onemap_history SET actor = 'someone else' WHERE fid = :f"), {"f": fid})
    assert [step.actor for step in store.history(HAZARDS, fid)] == [REPORTER.name]


def test_a_dropped_layer_takes_its_history_and_attachments_along(registry, store) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    store.put_attachment(HAZARDS, Attachment(id="x1", layer_id=HAZARDS.id, fid=fid, name="photo", filename="a.png",
                                             media_type="image/png", size=1, sha256="0" * 64, uploaded_by="a",
                                             uploaded_at=T0, content=b"1"))
    registry.drop(HAZARDS.id)
    registry.register(HAZARDS)
    again = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    assert [step.seq for step in store.history(HAZARDS, again)] == [1]  # a fresh life, even if the fid repeats
    assert store.attachments(HAZARDS, again) == []


def test_attachments_round_trip_and_belong_to_their_item(store) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    other = create_item(store, HAZARDS, hazard(125.5, 44.0), REPORTER, now=T0)
    content = bytes(range(256)) * 10
    stored = store.put_attachment(HAZARDS, Attachment(
        id="p1", layer_id=HAZARDS.id, fid=fid, name="rectify_photo", filename="整改.jpg", media_type="image/jpeg",
        size=len(content), sha256=hashlib.sha256(content).hexdigest(), uploaded_by=OFFICER.name, uploaded_at=T0,
        content=content))
    assert stored.content is None
    [listed] = store.attachments(HAZARDS, fid)
    assert (listed.id, listed.name, listed.filename, listed.size, listed.uploaded_at) == (
        "p1", "rectify_photo", "整改.jpg", 2560, T0)
    assert store.get_attachment(HAZARDS, fid, "p1").content == content
    assert store.attachments(HAZARDS, other) == []
    with pytest.raises(AttachmentNotFound):
        store.get_attachment(HAZARDS, other, "p1")
    with pytest.raises(FeatureNotFound):
        store.put_attachment(HAZARDS, Attachment(
            id="p2", layer_id=HAZARDS.id, fid=999, name="x", filename="x", media_type="text/plain", size=1,
            sha256="0" * 64, uploaded_by="a", uploaded_at=T0, content=b"x"))
