"""Why a presented token is not accepted (401) or cannot be checked now (503)."""

from __future__ import annotations


class TokenRejected(Exception):
    """The token is not (or no longer) valid; `detail` says why, Chinese first."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class IdentityUnavailable(Exception):
    """The token cannot be checked now (the identity platform or its keys cannot be reached)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class LoginRefused(Exception):
    """A password login that does not get a token: 401 (wrong credentials, the same for every cause)
    or 429 (too many failures from this address; `retry_after` seconds)."""

    def __init__(self, status: int, detail: str, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after
