"""Who is calling: the one description of a caller every path checks (API, tiles, CLI on behalf of)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Access(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class KeyScope:
    """What an API key may do with one layer (`*` stands for every layer)."""

    layer: str
    access: Access

    def allows(self, layer_id: str, access: Access) -> bool:
        if self.layer not in ("*", layer_id):
            return False
        return self.access is Access.WRITE or access is Access.READ


@dataclass(frozen=True, slots=True)
class Principal:
    """A caller: roles, and for named callers their organisation (单位) and region (行政区划代码).

    `scopes` is set for API keys only: the layers (and read/write) the key was issued for, on top of
    its owner's roles. `method` says how the caller proved who they are (anonymous, admin_token,
    users_file, account, oidc, api_key), for the audit trail and the denied-request log.
    """

    name: str
    roles: frozenset[str]
    display_name: str | None = None
    organisation: str | None = None
    region: str | None = None
    scopes: tuple[KeyScope, ...] | None = None
    method: str = "anonymous"

    @property
    def is_anonymous(self) -> bool:
        return self.name == "anonymous"

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def key_allows(self, layer_id: str, access: Access) -> bool:
        """True unless this is an API key that was not issued for `layer_id` with `access`."""
        return self.scopes is None or any(scope.allows(layer_id, access) for scope in self.scopes)


ANONYMOUS = Principal("anonymous", frozenset({"public"}))
ADMIN = Principal("admin", frozenset({"public", "admin"}), method="admin_token")
#: The platform acting on its own (rules, sweeps, imports from the CLI): sees everything unmasked.
SYSTEM = Principal("system", frozenset({"public", "admin", "system"}), method="system")
