"""Identity kept in the store: local accounts (`onemap_accounts`, argon2id password hashes, roles,
organisation, region, lock-out) and API keys for machine clients (`onemap_api_keys`, SHA-256 of the
secret only), in both stores; every change and login is appended to the audit trail in the same
transaction. Tokens, OIDC and HTTP live in `gis_server.identity`; this package knows nothing of them.

`open_identity(store)` gives the three parts over one store: `accounts` (`AccountDirectory`), `keys`
(`ApiKeyStore`) and `login` (`PasswordLogin`).
May import: `layers` only (sqlalchemy, argon2-cffi).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from layers.identity.accounts import Account
from layers.identity.api_keys import ApiKey
from layers.identity.directory import AccountDirectory
from layers.identity.errors import (
    AccountExists,
    AccountNotFound,
    IdentityError,
    InvalidIdentityInput,
    KeyNotFound,
    KeyStateConflict,
)
from layers.identity.key_store import ApiKeyStore, KeyCheck
from layers.identity.login import LoginResult, PasswordLogin
from layers.identity.passwords import Passwords
from layers.identity.storage import Clock, Storage

__all__ = [
    "Account",
    "AccountDirectory",
    "AccountExists",
    "AccountNotFound",
    "ApiKey",
    "ApiKeyStore",
    "Identity",
    "IdentityError",
    "InvalidIdentityInput",
    "KeyCheck",
    "KeyNotFound",
    "KeyStateConflict",
    "LoginResult",
    "PasswordLogin",
    "Passwords",
    "open_identity",
]


@dataclass(frozen=True)
class Identity:
    storage: Storage
    accounts: AccountDirectory
    keys: ApiKeyStore
    login: PasswordLogin


def open_identity(store: Any, *, clock: Clock | None = None, passwords: Passwords | None = None) -> Identity:
    """Accounts, keys and login over an opened, initialised store (its identity tables made if missing)."""
    storage = Storage(store, clock=clock)
    accounts = AccountDirectory(storage, passwords)
    return Identity(storage, accounts, ApiKeyStore(storage), PasswordLogin(accounts))
