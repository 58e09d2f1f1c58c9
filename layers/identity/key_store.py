"""`ApiKeyStore`: the API keys of a store (`onemap_api_keys`): issue, list, revoke, and check a presented
key. Each issue or revocation commits with its audit record. A key owned by an account stops working
when that account is disabled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from layers.identity import changes
from layers.identity.accounts import check_region, check_roles, check_text
from layers.identity.api_keys import (
    MAX_KEY_DAYS,
    ApiKey,
    new_key,
    parse_key,
    parse_scope,
    parse_scopes,
    scope_text,
    secret_hash,
    secret_matches,
)
from layers.identity.errors import InvalidIdentityInput, KeyNotFound, KeyStateConflict
from layers.identity.storage import Storage, aware
from layers.identity.tables import accounts as accounts_table
from layers.identity.tables import api_keys as table


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id, name=row.name, owner_account=row.owner_account, owner_organisation=row.owner_organisation,
        roles=tuple(row.roles or ()), region=row.region, scopes=tuple(parse_scope(s) for s in row.scopes or ()),
        secret_hash=row.secret_hash, created_by=row.created_by, created_at=aware(row.created_at),  # type: ignore[arg-type]
        expires_at=aware(row.expires_at), revoked_at=aware(row.revoked_at), last_used_at=aware(row.last_used_at))


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """What a presented key turned out to be: the key when usable, else why not."""

    key: ApiKey | None
    #: ok, malformed, unknown, revoked, expired, owner_disabled
    reason: str


class ApiKeyStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def get(self, key_id: str) -> ApiKey | None:
        with self.storage.reading() as conn:
            row = conn.execute(sa.select(table).where(table.c.id == key_id)).first()
        return None if row is None else _key(row)

    def all(self) -> list[ApiKey]:
        with self.storage.reading() as conn:
            rows = conn.execute(sa.select(table).order_by(table.c.created_at, table.c.id)).all()
        return [_key(row) for row in rows]

    def create(self, actor: str, *, name: str, scopes: Iterable[str], roles: Iterable[str] = (),
               owner_account: str | None = None, owner_organisation: str | None = None,
               region: str | None = None, expires_days: int | None = None) -> tuple[ApiKey, str]:
        """Issue a key; returns it with its text, which is shown once and never stored."""
        label = check_text(name, "name")
        if label is None:
            raise InvalidIdentityInput("密钥须有名称 / a key needs a name", field="name")
        if expires_days is not None and (not isinstance(expires_days, int) or isinstance(expires_days, bool)
                                         or not 1 <= expires_days <= MAX_KEY_DAYS):
            raise InvalidIdentityInput(f"有效天数应为 1–{MAX_KEY_DAYS} / expires_days must be 1 to {MAX_KEY_DAYS}",
                                       field="expires_days")
        checked_scopes = [scope_text(s) for s in parse_scopes(scopes)]
        values = {"name": label, "roles": list(check_roles(roles)), "region": check_region(region),
                  "owner_organisation": check_text(owner_organisation, "owner_organisation"),
                  "owner_account": owner_account or None, "scopes": checked_scopes}
        key_id, secret, text = new_key()
        now = self.storage.now()
        expires_at = now + timedelta(days=expires_days) if expires_days is not None else None
        with self.storage.writing() as conn:
            if owner_account and conn.execute(sa.select(accounts_table.c.name).where(
                    accounts_table.c.name == owner_account)).first() is None:
                raise InvalidIdentityInput(f"所属账户不存在 / no account named {owner_account!r}",
                                           field="owner_account")
            conn.execute(sa.insert(table).values(id=key_id, secret_hash=secret_hash(secret), created_by=actor,
                                                 created_at=now, expires_at=expires_at, **values))
            self.storage.audit.append_in(conn, actor, "key_create", f"key:{key_id}", {
                **{k: v for k, v in values.items() if v}, "expires_at": expires_at.isoformat() if expires_at else None})
        changes.bump()
        created = self.get(key_id)
        assert created is not None
        return created, text

    def revoke(self, actor: str, key_id: str) -> ApiKey:
        now = self.storage.now()
        with self.storage.writing() as conn:
            row = conn.execute(sa.select(table).where(table.c.id == key_id).with_for_update()).first()
            if row is None:
                raise KeyNotFound(f"API 密钥不存在 / no API key with id {key_id!r}")
            if row.revoked_at is not None:
                raise KeyStateConflict(f"API 密钥已吊销 / the API key {key_id!r} is already revoked")
            conn.execute(sa.update(table).where(table.c.id == key_id).values(revoked_at=now))
            self.storage.audit.append_in(conn, actor, "key_revoke", f"key:{key_id}", {"name": row.name})
        changes.bump()
        revoked = self.get(key_id)
        assert revoked is not None
        return revoked

    def check(self, token: str) -> KeyCheck:
        """The key a presented `omk_…` text stands for, if it may be used now."""
        parsed = parse_key(token)
        if parsed is None:
            return KeyCheck(None, "malformed")
        key_id, secret = parsed
        with self.storage.reading() as conn:
            row = conn.execute(sa.select(table, accounts_table.c.disabled.label("owner_disabled")).outerjoin(
                accounts_table, accounts_table.c.name == table.c.owner_account).where(table.c.id == key_id)).first()
        if row is None or not secret_matches(secret, row.secret_hash):
            return KeyCheck(None, "unknown")
        key = _key(row)
        state = key.state(self.storage.now())
        if state != "active":
            return KeyCheck(None, state)
        if key.owner_account and bool(row.owner_disabled):
            return KeyCheck(None, "owner_disabled")
        return KeyCheck(key, "ok")

    def touch(self, key_id: str, at: datetime | None = None) -> None:
        """Note that the key was used (callers do this at most now and then, not on every request)."""
        with self.storage.writing() as conn:
            conn.execute(sa.update(table).where(table.c.id == key_id).values(last_used_at=at or self.storage.now()))
