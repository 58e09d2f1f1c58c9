"""The SM3-chained audit trail on both stores: appends, concurrency, and tampering caught by verify."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes

from layers.protect import GENESIS, AuditError, AuditTrail
from layers.protect.audit_chain import make_record
from tests.protect.support import ACTIONS, SWAP_2_AND_3, filled, tamper


@pytest.fixture
def store(store_factory: Callable[[], object]) -> object:
    return store_factory()


def kinds(problems: list) -> list[tuple[int, str]]:
    return [(problem.seq, problem.kind) for problem in problems]


def test_records_read_back_as_written_and_chain_from_genesis(store: object) -> None:
    trail = filled(store)
    records = trail.records()
    assert [(r.actor, r.action, r.target, r.detail) for r in records] == [tuple(a) for a in ACTIONS]
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(records))
    assert all(r.at.tzinfo is not None for r in records)
    assert trail.latest(2) == records[3:]
    assert trail.records(after_seq=3) == records[3:]
    assert trail.records(since=records[2].at) == records[2:]
    assert trail.records(since=datetime.now(UTC) + timedelta(hours=1)) == []
    assert trail.count() == 5


def test_hash_is_sm3_of_prev_hash_and_canonical_json(store: object) -> None:
    """The documented definition, recomputed independently: an external auditor can check the chain."""
    record = filled(store).records()[2]
    body = {"seq": 3, "at": record.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor": "bob",
            "action": "transition", "target": "hazards/3", "detail": {"from": "上报", "to": "核查"},
            "prev_hash": record.prev_hash}
    digest = hashes.Hash(hashes.SM3())
    digest.update(record.prev_hash.encode() + json.dumps(body, sort_keys=True, separators=(",", ":"),
                                                         ensure_ascii=False).encode())
    assert record.hash == digest.finalize().hex()


def test_untouched_trail_verifies_clean(store: object) -> None:
    trail = AuditTrail(store)
    assert trail.verify() == []
    filled(store)
    assert trail.verify() == []


def test_bad_action_or_detail_is_refused(store: object) -> None:
    trail = AuditTrail(store)
    with pytest.raises(AuditError, match="审计动作无效 / invalid audit action"):
        trail.append("alice", "Drop Table", "x")
    with pytest.raises(AuditError, match="JSON"):
        trail.append("alice", "write", "x", {"at": datetime.now(UTC)})
    with pytest.raises(AuditError, match="JSON"):
        trail.append("alice", "write", "x", {"ratio": float("nan")})
    assert trail.count() == 0


def test_platform_connections_cannot_change_the_trail(store: object) -> None:
    filled(store)
    engine: sa.Engine = store.engine  # type: ignore[attr-defined]
    for statement in ("UPDATE onemap_audit SET actor = 'mallory' WHERE seq = 2", "DELETE FROM onemap_audit"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert AuditTrail(store).verify() == []


def test_concurrent_appends_extend_one_chain(store_factory: Callable[[], object]) -> None:
    stores = [store_factory(), store_factory()]  # two engines, as two worker processes would have
    errors: list[BaseException] = []

    def work(store: object, actor: str) -> None:
        try:
            trail = AuditTrail(store)
            for n in range(15):
                trail.append(actor, "write", f"roads/{n}", {"n": n})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s, f"worker{i}")) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    trail = AuditTrail(stores[0])
    records = trail.records()
    assert [r.seq for r in records] == list(range(1, 31))
    assert sorted(r.actor for r in records) == ["worker0"] * 15 + ["worker1"] * 15
    assert trail.verify() == []


def test_altered_detail_is_reported(store: object) -> None:
    trail = filled(store)
    tamper(store, """UPDATE onemap_audit SET detail = '{"format":"gpkg","rows":12}' WHERE seq = 4""")
    assert kinds(trail.verify()) == [(4, "altered")]


def test_altered_actor_is_reported(store: object) -> None:
    trail = filled(store)
    tamper(store, "UPDATE onemap_audit SET actor = 'nobody' WHERE seq = 1")
    assert kinds(trail.verify()) == [(1, "altered")]


def test_removed_middle_record_is_reported(store: object) -> None:
    trail = filled(store)
    tamper(store, "DELETE FROM onemap_audit WHERE seq = 3")
    problems = trail.verify()
    assert kinds(problems) == [(3, "removed")]
    assert "removed" in problems[0].message


def test_removed_first_record_is_reported(store: object) -> None:
    trail = filled(store)
    tamper(store, "DELETE FROM onemap_audit WHERE seq = 1")
    assert kinds(trail.verify()) == [(1, "removed")]


def test_swapped_records_are_reported_as_reordered(store: object) -> None:
    trail = filled(store)
    tamper(store, *SWAP_2_AND_3)
    problems = trail.verify()
    assert kinds(problems) == [(2, "reordered"), (3, "reordered")]
    assert "#3" in problems[0].message and "#2" in problems[1].message


def test_rewritten_and_rehashed_record_breaks_the_chain_after_it(store: object) -> None:
    """An intruder who alters a record and recomputes its hash still breaks the link of the next one."""
    trail = filled(store)
    original = trail.records()[1]
    fake = make_record(seq=2, at=original.at, actor="mallory", action="write", target=original.target,
                       detail=original.detail, prev_hash=original.prev_hash)
    tamper(store, f"UPDATE onemap_audit SET actor = 'mallory', hash = '{fake.hash}' WHERE seq = 2")
    assert kinds(trail.verify()) == [(3, "chain_break")]


def test_appends_after_tampering_keep_the_problem_visible(store: object) -> None:
    trail = filled(store)
    tamper(store, "DELETE FROM onemap_audit WHERE seq = 2")
    trail.append("dave", "login")
    assert kinds(trail.verify()) == [(2, "removed")]
