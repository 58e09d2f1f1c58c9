"""The SM3 hash chain of the audit trail: records, their canonical form, their hash, and the diagnosis of
a chain that does not verify.

``hash = SM3(prev_hash || canonical JSON of the record without hash)``, where ``prev_hash`` is the
lower-case hex hash of the record before (``GENESIS`` for the first), ``||`` is concatenation of the
ASCII hex and the UTF-8 JSON, and the canonical JSON is the object ``{seq, at, actor, action, target,
detail, prev_hash}`` with sorted keys, no whitespace, non-ASCII kept as is, ``at`` as
``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC). Sequence numbers start at 1 and have no gaps.

May import: cryptography, layers.protect.errors.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from cryptography.hazmat.primitives import hashes

from layers.protect.errors import AuditError

#: prev_hash of the first record.
GENESIS = "0" * 64

#: The actions the platform records (others are allowed when they look like identifiers).
KNOWN_ACTIONS = frozenset({"login", "logout", "write", "transition", "export", "package_build",
                           "permission_change", "denied", "key_rotation"})

_ACTION = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

ProblemKind = Literal["altered", "removed", "reordered", "chain_break"]


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def format_at(at: datetime) -> str:
    if at.tzinfo is None:
        raise AuditError("审计时间须带时区 / audit times must be timezone-aware")
    return at.astimezone(UTC).strftime(_AT_FORMAT)


def parse_at(text: str) -> datetime:
    return datetime.strptime(text, _AT_FORMAT).replace(tzinfo=UTC)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def normalized_detail(detail: Any) -> dict[str, Any]:
    """The detail as it will read back from the store (a JSON object), or AuditError."""
    if detail is None:
        return {}
    if not isinstance(detail, dict):
        raise AuditError("审计详情须为 JSON 对象 / an audit detail must be a JSON object (a dict)")
    try:
        return json.loads(canonical_json(detail))  # type: ignore[no-any-return]
    except (TypeError, ValueError) as exc:
        raise AuditError(f"审计详情无法表示为 JSON / the audit detail is not JSON-serialisable: {exc}") from None


def check_action(action: str) -> str:
    if not isinstance(action, str) or not _ACTION.match(action):
        raise AuditError(f"审计动作无效 / invalid audit action {action!r}: a lower-case identifier such as "
                         f"{', '.join(sorted(KNOWN_ACTIONS))}")
    return action


@dataclasses.dataclass(frozen=True, slots=True)
class AuditRecord:
    """One link of the chain, as stored."""

    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str

    def payload(self, *, seq: int | None = None) -> dict[str, Any]:
        """The record without its hash (optionally with another seq: what it would be if written there)."""
        return {"seq": self.seq if seq is None else seq, "at": format_at(self.at), "actor": self.actor,
                "action": self.action, "target": self.target, "detail": self.detail, "prev_hash": self.prev_hash}

    def computed_hash(self, *, seq: int | None = None) -> str:
        return chain_hash(self.prev_hash, self.payload(seq=seq))

    def as_json(self) -> dict[str, Any]:
        return {**self.payload(), "hash": self.hash}


def record_filter(*, after_seq: int | None, since: Any, limit: int | None, newest: bool) -> tuple[str, dict[str, Any]]:
    """The `WHERE … ORDER BY seq … [LIMIT]` tail of a records query and its parameters (`since` as the
    store binds timestamps), shared by both stores' trails."""
    where: list[str] = ["1 = 1"]
    params: dict[str, Any] = {}
    if after_seq is not None:
        where.append("seq > :after")
        params["after"] = int(after_seq)
    if since is not None:
        where.append("at >= :since")
        params["since"] = since
    tail = f" WHERE {' AND '.join(where)} ORDER BY seq {'DESC' if newest else 'ASC'}"
    if limit is not None:
        tail += " LIMIT :limit"
        params["limit"] = int(limit)
    return tail, params


def chain_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    return sm3_hex(prev_hash.encode("ascii") + canonical_json(payload).encode("utf-8"))


def make_record(*, seq: int, at: datetime, actor: str, action: str, target: str, detail: dict[str, Any],
                prev_hash: str) -> AuditRecord:
    """A new link after `prev_hash`, its hash computed."""
    draft = AuditRecord(seq=seq, at=at, actor=actor, action=check_action(action), target=target or "",
                        detail=normalized_detail(detail), prev_hash=prev_hash, hash="")
    return dataclasses.replace(draft, hash=draft.computed_hash())


@dataclasses.dataclass(frozen=True, slots=True)
class AuditProblem:
    """What is wrong at one place of the chain. `seq` is the stored sequence number the problem is
    found at (for `removed`: the first missing one)."""

    seq: int
    kind: ProblemKind
    message: str

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}: {self.message}"


def intact_links(records: Iterable[AuditRecord], previous: AuditRecord | None) -> tuple[bool, AuditRecord | None]:
    """Check a batch in stored order after `previous`: (all intact links?, the last record checked).

    The fast path of verification: nothing is kept in memory but the last record.
    """
    last = previous
    for record in records:
        expected_seq, expected_prev = (1, GENESIS) if last is None else (last.seq + 1, last.hash)
        if record.seq != expected_seq or record.prev_hash != expected_prev or record.computed_hash() != record.hash:
            return False, record
        last = record
    return True, last


def diagnose(records: Sequence[AuditRecord]) -> list[AuditProblem]:
    """Every problem of a chain, each reported once where it is, records given in stored seq order.

    - altered: the record's content does not produce its hash;
    - reordered: it would, had it kept the seq it was written with (found by following the prev_hash
      links from the genesis) — the record was moved;
    - removed: sequence numbers are missing (a removed record);
    - chain_break: an authentic record is chained to a hash no authentic predecessor carries — the record
      before it was rewritten and re-hashed, or replaced.
    Removing the newest records leaves no trace in the chain itself: compare the head (seq, hash) with a
    copy kept elsewhere for that.
    """
    children: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        children.setdefault(record.prev_hash, []).append(index)
    chain_seq: dict[int, int] = {}
    frontier = [(GENESIS, 0)]
    while frontier:
        parent_hash, depth = frontier.pop()
        for index in children.get(parent_hash, []):
            if index not in chain_seq:
                chain_seq[index] = depth + 1
                frontier.append((records[index].hash, depth + 1))

    authentic: dict[int, int | None] = {}
    for index, record in enumerate(records):
        if record.computed_hash() == record.hash:
            authentic[index] = record.seq
        else:
            written = chain_seq.get(index)
            ok = written is not None and written != record.seq and record.computed_hash(seq=written) == record.hash
            authentic[index] = written if ok else None

    by_hash = {record.hash: index for index, record in enumerate(records)}
    present = {record.seq for record in records}
    problems: list[AuditProblem] = []
    expected = 1
    for index, record in enumerate(records):
        if record.seq > expected:
            span = str(expected) if record.seq - 1 == expected else f"{expected}–{record.seq - 1}"
            problems.append(AuditProblem(expected, "removed", f"缺少第 {span} 条记录 / record(s) {span} removed"))
        expected = max(expected, record.seq + 1)
        seq = authentic[index]
        if seq is None:
            problems.append(AuditProblem(record.seq, "altered", "记录内容与其哈希不符（被修改）/ the record was "
                                                                "altered: its content does not match its hash"))
        elif seq != record.seq:
            problems.append(AuditProblem(record.seq, "reordered", f"该记录原为第 {seq} 条（顺序被调换）/ the record "
                                                                  f"was written as #{seq} and moved here"))
        elif not _linked(record, records, by_hash, authentic, present):
            problems.append(AuditProblem(record.seq, "chain_break", "链接断开：前一条记录被改写或替换 / chain "
                                                                    "broken: the record before it was rewritten "
                                                                    "or replaced"))
    return problems


def _linked(record: AuditRecord, records: Sequence[AuditRecord], by_hash: dict[str, int],
            authentic: dict[int, int | None], present: set[int]) -> bool:
    """Whether an authentic record's prev_hash names its predecessor (a missing predecessor is reported
    as removed, not here)."""
    if record.seq == 1:
        return record.prev_hash == GENESIS
    parent = by_hash.get(record.prev_hash)
    if parent is None:
        return (record.seq - 1) not in present
    parent_seq = authentic[parent]
    return parent_seq is None or parent_seq == record.seq - 1
