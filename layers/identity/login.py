"""`PasswordLogin`: one login attempt against the local accounts, with the per-account lock-out.

Unknown, disabled and locked accounts get the same answer as a wrong password, after the same
amount of hashing work; only the audit trail, the log and the CLI tell them apart. A locked account's
password is not even checked, and attempts while it is locked do not lengthen the lock. A good
password resets the failure count (and upgrades the hash if the hasher's parameters changed).
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.identity.accounts import MAX_PASSWORD_LENGTH, Account
from layers.identity.directory import AccountDirectory

MAX_NAME_RECORDED = 64


@dataclass(frozen=True, slots=True)
class LoginResult:
    account: Account | None
    #: success, bad_password, unknown_account, disabled, locked
    reason: str

    @property
    def ok(self) -> bool:
        return self.account is not None


class PasswordLogin:
    def __init__(self, directory: AccountDirectory) -> None:
        self.directory = directory

    def attempt(self, username: str, password: str, *, address: str | None) -> LoginResult:
        name = username.strip().lower()[:MAX_NAME_RECORDED]
        password = password[:MAX_PASSWORD_LENGTH + 1]
        passwords = self.directory.passwords
        account = self.directory.get(name) if name else None
        now = self.directory.storage.now()
        reason = ("unknown_account" if account is None else "disabled" if account.disabled
                  else "locked" if account.locked(now) else "")
        if account is None or reason:
            passwords.verify_or_dummy(None, password)
            self.directory.record_failure(name, name or "(empty)", address, reason)
            return LoginResult(None, reason)
        if not passwords.verify_or_dummy(account.password_hash, password):
            self.directory.record_failure(name, name, address, "bad_password")
            return LoginResult(None, "bad_password")
        new_hash = passwords.hash(password) if passwords.needs_rehash(account.password_hash) else None
        return LoginResult(self.directory.record_success(name, address, new_hash), "success")
