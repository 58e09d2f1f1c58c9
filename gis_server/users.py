"""The users file (`ONEMAP_USERS_FILE`): which bearer token is which caller.

YAML, a mapping from token to caller (optionally under a top-level `users:` key):

    users:
      "8f3c…long random token…":
        name: li.si                     # login name, recorded in histories
        display_name: 李四
        roles: [safety_officer]         # English snake_case role names
        organisation: 长春市交通运输局    # recorded as holder_org / actor_org
        region: "220100"                # prefecture code (adcode)

Every caller also gets the `public` role. The file is read again when it changes (its modification
time or size), so adding a user needs no restart. Tokens are compared in constant time, each
against every entry, so the time taken tells nothing about which token (or how much of one) matched.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

MIN_TOKEN_LENGTH = 16


class UsersFileError(ValueError):
    """The users file cannot be read or does not describe users."""


class _UserEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64)
    display_name: str | None = None
    roles: tuple[str, ...] = ()
    organisation: str | None = Field(default=None, max_length=64)
    region: str | None = None


@dataclass(frozen=True, slots=True)
class User:
    name: str
    roles: frozenset[str]
    display_name: str | None
    organisation: str | None
    region: str | None


class UserDirectory:
    def __init__(self, entries: dict[str, User]) -> None:
        self._entries = [(token.encode(), user) for token, user in entries.items()]

    def __len__(self) -> int:
        return len(self._entries)

    def by_name(self, name: str) -> User | None:
        """The user with this login name (for commands acting on someone's behalf, e.g. packages)."""
        return next((user for _, user in self._entries if user.name == name), None)

    def find(self, token: str) -> User | None:
        """The user whose token this is; every entry is compared, in constant time each."""
        presented = token.encode()
        found: User | None = None
        for known, user in self._entries:
            if hmac.compare_digest(presented, known) and found is None:
                found = user
        return found


def parse_users(data: object, source: str = "users file") -> UserDirectory:
    if isinstance(data, dict) and set(data) == {"users"}:
        data = data["users"]
    if data is None:
        return UserDirectory({})
    if not isinstance(data, dict):
        raise UsersFileError(f"用户文件格式错误 / {source}: expected a mapping from token to user")
    users: dict[str, User] = {}
    for token, raw in data.items():
        if not isinstance(token, str) or len(token) < MIN_TOKEN_LENGTH:
            raise UsersFileError(f"令牌过短 / {source}: every token must be a string of at least "
                                 f"{MIN_TOKEN_LENGTH} characters")
        try:
            entry = _UserEntry.model_validate(raw)
        except ValidationError as exc:
            raise UsersFileError(f"用户文件条目无效 / {source}: invalid user entry: {exc}") from None
        users[token] = User(name=entry.name, roles=frozenset({"public", *entry.roles}),
                            display_name=entry.display_name, organisation=entry.organisation,
                            region=None if entry.region is None else str(entry.region))
    return UserDirectory(users)


_LOCK = threading.Lock()
_CACHE: dict[Path, tuple[tuple[int, int], UserDirectory]] = {}


def load_users(path: Path) -> UserDirectory:
    """The users in `path`, read again only when the file changed."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise UsersFileError(f"无法读取用户文件 / cannot read users file {path}: {exc}") from None
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _LOCK:
        cached = _CACHE.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UsersFileError(f"无法读取用户文件 / cannot read users file {path}: {exc}") from None
    directory = parse_users(data, str(path))
    with _LOCK:
        _CACHE[path] = (stamp, directory)
    return directory
