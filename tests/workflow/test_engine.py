"""The engine on both stores: creation, every path of the test workflow, each refusal, history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domains.workflow import TransitionRequest, create_item, perform, workflow_view
from domains.workflow.engine import STORAGE
from layers.errors import (
    InvalidFeature,
    MissingEvidence,
    SupervisionFieldsLocked,
    TransitionForbidden,
    TransitionNotAllowed,
    VersionConflict,
)
from layers.stores.history import Attachment
from tests.workflow.support import HAZARDS, LEAD, OFFICER, REPORTER, STRANGER, T0, hazard

H = timedelta(hours=1)


def _photo(store, fid: int, ident: str = "a1", name: str = "rectify_photo") -> Attachment:
    return store.put_attachment(HAZARDS, Attachment(
        id=ident, layer_id=HAZARDS.id, fid=fid, name=name, filename="after.jpg", media_type="image/jpeg",
        size=3, sha256="0" * 64, uploaded_by=OFFICER.name, uploaded_at=T0, content=b"jpg"))


def _state(store, fid: int) -> dict:
    return store.get(HAZARDS, fid, STORAGE).properties


def test_creation_starts_in_the_initial_state_held_by_the_creator(store) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    props = _state(store, fid)
    assert props["workflow_state"] == "reported"
    assert (props["holder"], props["holder_org"]) == ("wang.wu", "长春市公路养护中心")
    assert props["state_since"] == T0
    assert props["deadline"] == T0 + 24 * H  # the reported state's 24-hour limit
    assert props["overdue"] is False
    assert props["adcode"] == "220100"  # taken from the creator's region
    [step] = store.history(HAZARDS, fid)
    assert (step.seq, step.from_state, step.to_state, step.transition, step.actor) == (
        1, None, "reported", None, "wang.wu")
    assert step.geometry is not None and step.geometry.equals(hazard().geometry)


def test_creation_is_refused_to_roles_without_it_and_in_another_state(store) -> None:
    with pytest.raises(TransitionForbidden):
        create_item(store, HAZARDS, hazard(), OFFICER, now=T0)
    with pytest.raises(SupervisionFieldsLocked):
        create_item(store, HAZARDS, hazard(workflow_state="closed"), REPORTER, now=T0)
    with pytest.raises(SupervisionFieldsLocked):
        create_item(store, HAZARDS, hazard(deadline=T0), REPORTER, now=T0)
    assert store.layer_state(HAZARDS).feature_count == 0


def test_the_whole_path_to_closing_with_a_send_back(store) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    # assessed 30 h after the report: 6 h past the 24 h limit
    perform(store, HAZARDS, fid, TransitionRequest("assess", values={"grade": "major"}), OFFICER, now=T0 + 30 * H)
    props = _state(store, fid)
    assert (props["workflow_state"], props["grade"], props["holder"]) == ("assessed", "major", "li.si")
    assert props["deadline"] == T0 + 78 * H
    # handed to the responsible unit, due by the end of 20 May (China time)
    perform(store, HAZARDS, fid, TransitionRequest("assign", values={
        "rectify_by": "2024-05-20", "responsible_unit": "长春公路管理处", "holder_org": "长春公路管理处"}),
        OFFICER, now=T0 + 40 * H)
    props = _state(store, fid)
    assert props["workflow_state"] == "rectifying"
    assert props["holder_org"] == "长春公路管理处"
    assert props["deadline"] == datetime(2024, 5, 20, 16, 0, tzinfo=UTC)  # 24:00 China time
    assert props["rectify_by"] == date(2024, 5, 20)
    _photo(store, fid)
    perform(store, HAZARDS, fid, TransitionRequest("verify", attachments=["a1"]), OFFICER, now=T0 + 100 * H)
    perform(store, HAZARDS, fid, TransitionRequest("send_back", comment="护栏未恢复"), LEAD, now=T0 + 110 * H)
    assert _state(store, fid)["workflow_state"] == "rectifying"
    perform(store, HAZARDS, fid, TransitionRequest("verify"), OFFICER, now=T0 + 120 * H)  # the photo is on the item
    perform(store, HAZARDS, fid, TransitionRequest("close"), LEAD, now=T0 + 130 * H)
    props = _state(store, fid)
    assert (props["workflow_state"], props["deadline"], props["overdue"]) == ("closed", None, False)
    steps = store.history(HAZARDS, fid)
    assert [(s.seq, s.from_state, s.to_state) for s in steps] == [
        (1, None, "reported"), (2, "reported", "assessed"), (3, "assessed", "rectifying"),
        (4, "rectifying", "verified"), (5, "verified", "rectifying"), (6, "rectifying", "verified"),
        (7, "verified", "closed")]
    assert [s.late for s in steps] == [False, True, False, False, False, False, False]
    assert steps[1].deadline == T0 + 24 * H and steps[1].state_since == T0
    assert steps[1].holder_org == "长春市公路养护中心"  # the reporter's unit held the reported state
    assert steps[3].holder_org == "长春公路管理处"
    assert steps[3].values == {"_attachments": ["a1"]}
    assert steps[4].comment == "护栏未恢复" and steps[4].actor_org == "吉林省交通运输厅"
    assert steps[2].values["rectify_by"] == "2024-05-20"
    assert all(s.region == "220100" and s.domain == "hazards" for s in steps)


def test_dismissal_needs_a_comment(store) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    with pytest.raises(MissingEvidence) as caught:
        perform(store, HAZARDS, fid, TransitionRequest("dismiss", comment="  "), OFFICER, now=T0 + H)
    assert [m["name"] for m in caught.value.extensions["missing"]] == ["comment"]
    perform(store, HAZARDS, fid, TransitionRequest("dismiss", comment="重复上报"), OFFICER, now=T0 + H)
    assert _state(store, fid)["workflow_state"] == "dismissed"


def test_a_transition_not_from_the_current_state_lists_the_allowed_ones(store) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    for name in ("close", "no_such_step"):
        with pytest.raises(TransitionNotAllowed) as caught:
            perform(store, HAZARDS, fid, TransitionRequest(name), LEAD, now=T0 + H)
        assert [t["id"] for t in caught.value.extensions["allowed"]] == ["assess", "dismiss"]
        assert caught.value.extensions["current_state"] == "reported"
    assert len(store.history(HAZARDS, fid)) == 1


def test_a_role_that_may_not_lists_what_the_caller_may_do(store) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    with pytest.raises(TransitionForbidden) as caught:
        perform(store, HAZARDS, fid, TransitionRequest("assess", values={"grade": "general"}), STRANGER, now=T0)
    assert caught.value.extensions["allowed"] == []
    perform(store, HAZARDS, fid, TransitionRequest("assess", values={"grade": "general"}), OFFICER, now=T0)
    perform(store, HAZARDS, fid, TransitionRequest("assign", values={"rectify_by": "2024-05-08",
                                                                     "responsible_unit": "x"}), OFFICER, now=T0)
    _photo(store, fid)
    perform(store, HAZARDS, fid, TransitionRequest("verify"), OFFICER, now=T0)
    with pytest.raises(TransitionForbidden) as caught:
        perform(store, HAZARDS, fid, TransitionRequest("close"), OFFICER, now=T0)
    assert caught.value.extensions["allowed"] == []
    view = workflow_view(store, HAZARDS, fid, LEAD, now=T0)
    assert [t["id"] for t in view["transitions"]] == ["send_back", "close"]
    assert _state(store, fid)["workflow_state"] == "verified"


def test_missing_evidence_is_named(store) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    with pytest.raises(MissingEvidence) as caught:
        perform(store, HAZARDS, fid, TransitionRequest("assess"), OFFICER, now=T0)
    assert [(m["kind"], m["name"]) for m in caught.value.extensions["missing"]] == [("field", "grade")]
    perform(store, HAZARDS, fid, TransitionRequest("assess", values={"grade": "major"}), OFFICER, now=T0)
    with pytest.raises(MissingEvidence) as caught:
        perform(store, HAZARDS, fid, TransitionRequest("assign", values={"responsible_unit": "长春公路管理处"}),
                OFFICER, now=T0)
    assert [m["name"] for m in caught.value.extensions["missing"]] == ["rectify_by"]
    perform(store, HAZARDS, fid, TransitionRequest("assign", values={"rectify_by": "2024-05-08",
                                                                     "responsible_unit": "长春公路管理处"}),
            OFFICER, now=T0)
    _photo(store, fid, name="other_photo")
    with pytest.raises(MissingEvidence) as caught:
        perform(store, HAZARDS, fid, TransitionRequest("verify"), OFFICER, now=T0)
    assert [(m["kind"], m["name"]) for m in caught.value.extensions["missing"]] == [("attachment", "rectify_photo")]
    with pytest.raises(InvalidFeature):  # an attachment id that is not on the item
        perform(store, HAZARDS, fid, TransitionRequest("verify", attachments=["nope"]), OFFICER, now=T0)
    assert _state(store, fid)["workflow_state"] == "rectifying"
    assert len(store.history(HAZARDS, fid)) == 3


def test_a_stale_version_is_refused_and_the_engine_sets_supervision_fields_itself(store) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    version = store.get(HAZARDS, fid, STORAGE).version
    perform(store, HAZARDS, fid, TransitionRequest("assess", values={"grade": "major"}), OFFICER, now=T0,
            if_match=version)
    with pytest.raises(VersionConflict):
        perform(store, HAZARDS, fid, TransitionRequest("assign", values={"rectify_by": "2024-05-08",
                                                                         "responsible_unit": "x"}),
                OFFICER, now=T0, if_match=version)
    with pytest.raises(InvalidFeature):
        perform(store, HAZARDS, fid, TransitionRequest("assign", values={"rectify_by": "2024-05-08",
                                                                         "responsible_unit": "x",
                                                                         "workflow_state": "closed"}),
                OFFICER, now=T0)
    assert _state(store, fid)["workflow_state"] == "assessed"
    assert store.get(HAZARDS, fid, STORAGE).version == version + 1
