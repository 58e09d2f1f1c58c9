"""`AccountDirectory`: the local accounts of a store (`onemap_accounts`), created and changed each in
one transaction together with its audit record.

Every change that should end the sessions already handed out (password, roles, disabling) moves the
account's `token_version`; platform tokens carry the version they were issued under and are refused
once it moved. Login bookkeeping (failure counts, locks) lives here too; the login flow itself is
`login.PasswordLogin`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from layers.identity import changes
from layers.identity.accounts import (
    Account,
    check_name,
    check_password,
    check_region,
    check_roles,
    check_text,
    lock_duration,
)
from layers.identity.errors import AccountExists, AccountNotFound
from layers.identity.passwords import Passwords
from layers.identity.storage import Storage, aware
from layers.identity.tables import accounts as table

log = logging.getLogger("onemap.identity")


def _account(row: Any) -> Account:
    return Account(
        name=row.name, password_hash=row.password_hash, roles=tuple(row.roles or ()), display_name=row.display_name,
        organisation=row.organisation, region=row.region, disabled=bool(row.disabled),
        token_version=int(row.token_version), failed_logins=int(row.failed_logins),
        locked_until=aware(row.locked_until), last_login_at=aware(row.last_login_at),
        created_at=aware(row.created_at), updated_at=aware(row.updated_at))  # type: ignore[arg-type]


class AccountDirectory:
    def __init__(self, storage: Storage, passwords: Passwords | None = None) -> None:
        self.storage = storage
        self.passwords = passwords or Passwords()

    # -- reading -----------------------------------------------------------------------------
    def get(self, name: str) -> Account | None:
        with self.storage.reading() as conn:
            row = conn.execute(sa.select(table).where(table.c.name == name)).first()
        return None if row is None else _account(row)

    def require(self, name: str) -> Account:
        account = self.get(name)
        if account is None:
            raise AccountNotFound(f"账户不存在 / no account named {name!r}")
        return account

    def all(self) -> list[Account]:
        with self.storage.reading() as conn:
            rows = conn.execute(sa.select(table).order_by(table.c.name)).all()
        return [_account(row) for row in rows]

    def role_counts(self) -> Counter[str]:
        """How many accounts hold each role."""
        with self.storage.reading() as conn:
            rows = conn.execute(sa.select(table.c.roles)).scalars().all()
        return Counter(role for roles in rows for role in (roles or ()))

    # -- changes -----------------------------------------------------------------------------
    def create(self, actor: str, *, name: str, password: str, roles: Iterable[str] = (),
               organisation: str | None = None, region: str | None = None,
               display_name: str | None = None) -> Account:
        name = check_name(name)
        values = {"roles": list(check_roles(roles)), "organisation": check_text(organisation, "organisation"),
                  "region": check_region(region), "display_name": check_text(display_name, "display_name")}
        password_hash = self.passwords.hash(check_password(password, name))
        now = self.storage.now()
        try:
            with self.storage.writing() as conn:
                conn.execute(sa.insert(table).values(
                    name=name, password_hash=password_hash, disabled=False, token_version=1, failed_logins=0,
                    created_at=now, updated_at=now, **values))
                self.storage.audit.append_in(conn, actor, "account_create", f"account:{name}",
                                             {k: v for k, v in values.items() if v})
        except sa.exc.IntegrityError:
            raise AccountExists(f"账户已存在 / an account named {name!r} already exists", field="name") from None
        changes.bump()
        return self.require(name)

    def set_password(self, actor: str, name: str, password: str) -> Account:
        """A new password: ends every session of the account and lifts a lock."""
        password_hash = self.passwords.hash(check_password(password, name))
        return self._change(actor, name, "password_change", lambda account: (
            {"password_hash": password_hash, "token_version": account.token_version + 1, "failed_logins": 0,
             "locked_until": None}, {}))

    def set_roles(self, actor: str, name: str, roles: Iterable[str]) -> Account:
        wanted = check_roles(roles)
        return self._change(actor, name, "permission_change", lambda account: (
            {"roles": list(wanted), "token_version": account.token_version + (wanted != account.roles)},
            {"before": list(account.roles), "after": list(wanted)}))

    def change_roles(self, actor: str, name: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()) -> Account:
        added, removed = set(check_roles(add)), set(check_roles(remove))

        def mutate(account: Account) -> tuple[dict[str, Any], dict[str, Any]]:
            after = sorted((set(account.roles) | added) - removed)
            return ({"roles": after, "token_version": account.token_version + (tuple(after) != account.roles)},
                    {"before": list(account.roles), "after": after})

        return self._change(actor, name, "permission_change", mutate)

    def set_disabled(self, actor: str, name: str, disabled: bool) -> Account:
        return self._change(actor, name, "account_disable" if disabled else "account_enable", lambda account: (
            {"disabled": disabled, "token_version": account.token_version + (disabled and not account.disabled)},
            {}))

    def unlock(self, actor: str, name: str) -> Account:
        return self._change(actor, name, "account_unlock", lambda account: (
            {"failed_logins": 0, "locked_until": None},
            {"failed_logins": account.failed_logins,
             "was_locked": account.locked(self.storage.now())}))

    def _change(self, actor: str, name: str, action: str,
                mutate: Callable[[Account], tuple[dict[str, Any], dict[str, Any]]]) -> Account:
        with self.storage.writing() as conn:
            account = self._locked_row(conn, name)
            values, detail = mutate(account)
            conn.execute(sa.update(table).where(table.c.name == name).values(
                **values, updated_at=self.storage.now()))
            self.storage.audit.append_in(conn, actor, action, f"account:{name}", detail)
        changes.bump()
        return self.require(name)

    def _locked_row(self, conn: sa.Connection, name: str) -> Account:
        row = conn.execute(sa.select(table).where(table.c.name == name).with_for_update()).first()
        if row is None:
            raise AccountNotFound(f"账户不存在 / no account named {name!r}")
        return _account(row)

    # -- login bookkeeping -------------------------------------------------------------------
    def record_success(self, name: str, address: str | None, new_hash: str | None) -> Account:
        now = self.storage.now()
        with self.storage.writing() as conn:
            self._locked_row(conn, name)
            values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
            if new_hash is not None:
                values["password_hash"] = new_hash
            conn.execute(sa.update(table).where(table.c.name == name).values(**values))
            self.storage.audit.append_in(conn, name, "login", f"account:{name}",
                                         {"outcome": "success", "method": "password", "address": address})
        return self.require(name)

    def record_failure(self, name: str, attempted: str, address: str | None, reason: str) -> datetime | None:
        """Record a failed login (`name`: an existing account, or None-like for an unknown one); a wrong
        password counts towards the lock. Returns when the account is now locked until, if it is."""
        now = self.storage.now()
        detail: dict[str, Any] = {"outcome": "failure", "reason": reason, "method": "password", "address": address}
        locked_until: datetime | None = None
        with self.storage.writing() as conn:
            if reason == "bad_password":
                account = self._locked_row(conn, name)
                failures = account.failed_logins + 1
                duration = lock_duration(failures)
                locked_until = now + duration if duration is not None else None
                values: dict[str, Any] = {"failed_logins": failures}
                if locked_until is not None:
                    values["locked_until"] = locked_until
                    detail["locked_until"] = locked_until.isoformat()
                detail["failures"] = failures
                conn.execute(sa.update(table).where(table.c.name == name).values(**values))
            self.storage.audit.append_in(conn, attempted, "login", f"account:{attempted}", detail)
        if locked_until is not None:
            log.warning("account %s locked until %s after %s failed logins (last from %s)", name,
                        locked_until.isoformat(), detail["failures"], address)
        return locked_until
