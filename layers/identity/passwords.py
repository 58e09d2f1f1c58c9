"""Password hashes: argon2id through `argon2-cffi`'s `PasswordHasher` (its RFC 9106 defaults), never a
hand-written scheme. `verify_or_dummy` spends the same work when there is no hash to check against
(unknown, disabled or locked account), so timing tells nothing about which names exist."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Passwords:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._dummy = self.hasher.hash("onemap-dummy-password-for-equal-timing")

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
