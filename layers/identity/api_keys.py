"""API keys for machine clients: their text form, what is stored of them, and their scopes.

A key reads ``omk_<id>_<secret>``: `id` is 12 hex digits (shown in lists, used to revoke), `secret`
32 random bytes, URL-safe base64. Only the SHA-256 of the secret is stored, and a presented secret
is compared with it in constant time. Scopes are ``<layer>:read`` or ``<layer>:write`` (`*` for every
layer; write includes read).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from layers.access.principal import Access, KeyScope
from layers.identity.errors import InvalidIdentityInput

PREFIX = "omk_"
SECRET_BYTES = 32
MAX_KEY_DAYS = 3650
_ID = re.compile(r"^[0-9a-f]{12}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43,128}$")
_LAYER = re.compile(r"^(\*|[a-z][a-z0-9_]{0,62})$")


def new_key() -> tuple[str, str, str]:
    """(id, secret, the key as given to its holder)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return key_id, secret, f"{PREFIX}{key_id}_{secret}"


def parse_key(token: str) -> tuple[str, str] | None:
    """(id, secret) of a presented key, or None if it does not have the key's shape."""
    if not token.startswith(PREFIX):
        return None
    key_id, sep, secret = token[len(PREFIX):].partition("_")
    if not sep or not _ID.match(key_id) or not _SECRET.match(secret):
        return None
    return key_id, secret


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(secret_hash(secret).encode("ascii"), stored_hash.encode("ascii"))


def parse_scope(text: object) -> KeyScope:
    if not isinstance(text, str):
        raise InvalidIdentityInput(f"权限范围无效 / invalid scope {text!r}: expected layer:read or layer:write",
                                   field="scopes")
    layer, sep, access = text.strip().partition(":")
    if not sep or not _LAYER.match(layer) or access not in ("read", "write"):
        raise InvalidIdentityInput(f"权限范围无效 / invalid scope {text!r}: expected <layer>:read or <layer>:write "
                                   "(layer id or *)", field="scopes")
    return KeyScope(layer, Access(access))


def parse_scopes(texts: Iterable[object]) -> tuple[KeyScope, ...]:
    if isinstance(texts, str):
        texts = [texts]
    scopes = tuple(dict.fromkeys(parse_scope(text) for text in texts))
    if not scopes:
        raise InvalidIdentityInput("至少需要一个权限范围 / at least one scope (layer:read or layer:write) is required",
                                   field="scopes")
    return scopes


def scope_text(scope: KeyScope) -> str:
    return f"{scope.layer}:{scope.access.value}"


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    owner_account: str | None
    owner_organisation: str | None
    roles: tuple[str, ...]
    region: str | None
    scopes: tuple[KeyScope, ...]
    secret_hash: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def as_json(self, now: datetime) -> dict[str, Any]:
        """The key as lists show it: never the secret nor its hash."""
        return {
            "id": self.id, "name": self.name, "owner_account": self.owner_account,
            "owner_organisation": self.owner_organisation, "roles": list(self.roles), "region": self.region,
            "scopes": [scope_text(s) for s in self.scopes], "state": self.state(now), "created_by": self.created_by,
            "created_at": _iso(self.created_at), "expires_at": _iso(self.expires_at),
            "revoked_at": _iso(self.revoked_at), "last_used_at": _iso(self.last_used_at),
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")
