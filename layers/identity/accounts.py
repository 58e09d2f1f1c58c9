"""Local accounts: what one is (`Account`), what its fields may hold, and the lock-out policy.

Names are lower-case login names (`li.si`), roles English snake_case (`safety_officer`; every caller
also has `public`, which is never stored), the region a GB/T 2260 administrative division code
(`220100`). After `MAX_FAILURES` wrong passwords in a row an account is locked for `LOCK_BASE`,
doubled for every further failure after the lock ends, at most `LOCK_MAX`; a good password or an
unlock resets the count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from layers.identity.errors import InvalidIdentityInput

MAX_FAILURES = 5
LOCK_BASE = timedelta(minutes=15)
LOCK_MAX = timedelta(hours=24)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
MAX_TEXT_LENGTH = 64

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
ROLE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
REGION = re.compile(r"^[0-9]{6}$")
#: Names the platform gives its own principals (anonymous caller, admin token, the platform itself).
RESERVED_NAMES = frozenset({"anonymous", "admin", "system"})
#: Roles no account or key may hold: `system` is the platform acting on its own; `public` everyone has.
RESERVED_ROLES = frozenset({"system"})
IMPLICIT_ROLE = "public"


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    password_hash: str
    roles: tuple[str, ...]
    display_name: str | None
    organisation: str | None
    region: str | None
    disabled: bool
    token_version: int
    failed_logins: int
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def as_json(self, now: datetime) -> dict[str, Any]:
        """The account as the admin API and `users list --json` show it (never the password hash)."""
        return {
            "name": self.name, "display_name": self.display_name, "roles": list(self.roles),
            "organisation": self.organisation, "region": self.region, "disabled": self.disabled,
            "locked": self.locked(now), "locked_until": _iso(self.locked_until) if self.locked(now) else None,
            "failed_logins": self.failed_logins, "last_login_at": _iso(self.last_login_at),
            "created_at": _iso(self.created_at), "updated_at": _iso(self.updated_at),
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def lock_duration(failures: int) -> timedelta | None:
    """How long an account is locked after its `failures`-th wrong password in a row (None: not locked)."""
    if failures < MAX_FAILURES:
        return None
    doublings = min(failures - MAX_FAILURES, 16)
    return min(LOCK_BASE * (2 ** doublings), LOCK_MAX)


def check_name(name: object) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise InvalidIdentityInput(
            f"账户名无效 / invalid account name {name!r}: 1–64 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit", field="name")
    if name in RESERVED_NAMES:
        raise InvalidIdentityInput(f"账户名 {name!r} 为平台保留 / the name {name!r} is reserved by the platform",
                                   field="name")
    return name


def check_roles(roles: Iterable[object]) -> tuple[str, ...]:
    """Roles as stored: validated, without `public`, sorted, each once."""
    if isinstance(roles, str):
        roles = [roles]
    checked: set[str] = set()
    for role in roles:
        if not isinstance(role, str) or not ROLE.match(role):
            raise InvalidIdentityInput(f"角色名无效 / invalid role {role!r}: a lower-case snake_case name such as "
                                       "safety_officer", field="roles")
        if role in RESERVED_ROLES:
            raise InvalidIdentityInput(f"角色 {role!r} 为平台保留 / the role {role!r} is reserved by the platform",
                                       field="roles")
        if role != IMPLICIT_ROLE:
            checked.add(role)
    return tuple(sorted(checked))


def check_region(region: object) -> str | None:
    if region is None or region == "":
        return None
    if isinstance(region, int) and not isinstance(region, bool):
        region = str(region)
    if not isinstance(region, str) or not REGION.match(region):
        raise InvalidIdentityInput(f"行政区划代码无效 / invalid region {region!r}: a 6-digit GB/T 2260 code such as "
                                   "220100", field="region")
    return region


def check_text(value: object, field: str) -> str | None:
    """An optional short free text (organisation, display name): stripped, at most 64 characters."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value.strip()) > MAX_TEXT_LENGTH:
        raise InvalidIdentityInput(f"{field} 应为不超过 {MAX_TEXT_LENGTH} 个字符的文本 / {field} must be text of at "
                                   f"most {MAX_TEXT_LENGTH} characters", field=field)
    return value.strip() or None


def check_password(password: object, name: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidIdentityInput(f"密码长度应为 {MIN_PASSWORD_LENGTH}–{MAX_PASSWORD_LENGTH} 个字符 / the password "
                                   f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long",
                                   field="password")
    if password.strip().lower() == name.lower():
        raise InvalidIdentityInput("密码不能与账户名相同 / the password must not be the account name",
                                   field="password")
    return password
