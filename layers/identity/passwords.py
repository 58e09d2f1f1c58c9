"""Password hashes: argon2id through `argon2-cffi`'s `PasswordHasher` (its RFC 9106 defaults), never a
hand-written scheme. `verify_or_dummy` spends the same work when there is no hash to check against
(unknown, disabled or locked account), so timing tells nothing about which names exist. The dummy
hash is made once per process and hasher parameters (a memory-hard hash costs ~0.15 s; every app
built in a process — the tests build thousands — would otherwise pay it again)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

DUMMY_PASSWORD = "onemap-dummy-password-for-equal-timing"


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int, hash_len: int, salt_len: int,
                kind: Type) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, hash_len=hash_len,
                          salt_len=salt_len, type=kind).hash(DUMMY_PASSWORD)


class Passwords:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher = hasher or PasswordHasher()
        self._dummy = _dummy_hash(hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len,
                                  hasher.salt_len, hasher.type)

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def verify_or_dummy(self, stored_hash: str | None, password: str) -> bool:
        """Check against `stored_hash`; with None, do the same work against a dummy hash and answer False."""
        if stored_hash is None:
            self.verify(self._dummy, password)
            return False
        return self.verify(stored_hash, password)

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return self.hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True
