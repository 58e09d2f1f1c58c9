"""`IdentityService`: everything a server process needs to know callers beyond the admin token and the
users file — password login with throttling and platform tokens, API keys, OIDC tokens — over the
store's identity tables, with a short cache of verified tokens.

One service per app, bound to the app's `Settings` object at start-up (`bind`) and found again by
`security.authenticate` (`service_for`), which only receives the settings.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import jwt

from gis_server.identity.cache import VerifiedCache
from gis_server.identity.errors import LoginRefused, TokenRejected
from gis_server.identity.oidc import ClaimNames, OidcVerifier
from gis_server.identity.throttle import AddressThrottle
from gis_server.identity.tokens import ISSUER, IssuedToken, PlatformTokens, token_secret
from gis_server.settings import Settings
from layers.access.principal import Principal
from layers.identity import Passwords, open_identity
from layers.identity.api_keys import PREFIX as KEY_PREFIX
from layers.identity.storage import utc_now

log = logging.getLogger("onemap.identity")

WRONG_CREDENTIALS = "用户名或密码错误 / wrong user name or password"
#: Seconds between two notes of a key's last use (a write) from one process.
TOUCH_EVERY_SECONDS = 60.0
KEY_REFUSALS = {
    "malformed": "API 密钥无效 / invalid API key",
    "unknown": "API 密钥无效 / invalid API key",
    "revoked": "API 密钥已吊销 / API key revoked",
    "expired": "API 密钥已过期 / API key expired",
    "owner_disabled": "API 密钥所属账户已停用 / the account owning this API key is disabled",
}


class IdentityService:
    def __init__(self, settings: Settings, store: Any, *, clock: Callable[[], datetime] | None = None,
                 passwords: Passwords | None = None) -> None:
        if settings.oidc_issuer and not settings.oidc_audience:
            raise ValueError("设置了 ONEMAP_OIDC_ISSUER 时必须设置 ONEMAP_OIDC_AUDIENCE / ONEMAP_OIDC_AUDIENCE is "
                             "required with ONEMAP_OIDC_ISSUER (tokens meant for other applications are refused)")
        self.settings = settings
        self._clock = clock or utc_now
        self.identity = open_identity(store, clock=self.now, passwords=passwords)
        if settings.token_secret is not None:
            token_secret(settings, store)  # a configured secret that is too short stops the start
        self.tokens = PlatformTokens(lambda: token_secret(settings, store), settings.token_hours, self.now)
        self.oidc = OidcVerifier(
            settings.oidc_issuer, settings.oidc_audience or "", jwks_url=settings.oidc_jwks_url,
            claims=ClaimNames(settings.oidc_roles_claim, settings.oidc_org_claim, settings.oidc_region_claim),
        ) if settings.oidc_issuer else None
        self.addresses = AddressThrottle(self.timestamp)
        self.cache = VerifiedCache(self.timestamp)
        self._touched: dict[str, float] = {}
        self._toucher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="onemap-key-touch")

    # -- time -----------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self._clock()

    def timestamp(self) -> float:
        return self._clock().timestamp()

    def set_clock(self, clock: Callable[[], datetime]) -> None:
        """Use another clock from now on (tests move time instead of sleeping)."""
        self._clock = clock

    def close(self) -> None:
        self._toucher.shutdown(wait=True)

    # -- login ----------------------------------------------------------------------------------
    def login(self, username: str, password: str, address: str) -> IssuedToken:
        """A platform token for a good user name and password, else LoginRefused (401, or 429 when this
        address failed too often)."""
        wait = self.addresses.retry_after(address)
        if wait is not None:
            attempted = username.strip().lower()[:64] or "(empty)"
            self.identity.storage.audit.append(attempted, "login", f"account:{attempted}",
                                               {"outcome": "failure", "reason": "address_throttled",
                                                "method": "password", "address": address})
            log.warning("login attempts from %s throttled for %.0f s", address, wait)
            raise LoginRefused(429, "登录失败次数过多，请稍后再试 / too many failed sign-ins from this address: "
                                    "try again later", retry_after=int(wait + 0.999))
        result = self.identity.login.attempt(username, password, address=address)
        if result.account is None:
            self.addresses.failed(address)
            raise LoginRefused(401, WRONG_CREDENTIALS)
        return self.tokens.issue(result.account)

    # -- tokens ---------------------------------------------------------------------------------
    def principal(self, token: str) -> Principal | None:
        """The caller an API key or a platform/OIDC token names; None if the token is none of those;
        TokenRejected if it is one but not valid (IdentityUnavailable if it cannot be checked now)."""
        cached = self.cache.get(token)
        if cached is not None:
            return cached
        if token.startswith(KEY_PREFIX):
            principal, until = self._key_principal(token)
        elif token.count(".") == 2:
            try:
                unverified = jwt.decode(token, options={"verify_signature": False})
            except jwt.PyJWTError:
                raise TokenRejected("令牌格式无效 / malformed token") from None
            if unverified.get("iss") == ISSUER:
                principal, until = self._platform_principal(token)
            elif self.oidc is not None:
                principal, until = self.oidc.verify(token)
            else:
                return None
        else:
            return None
        self.cache.put(token, principal, until)
        return principal

    def _platform_principal(self, token: str) -> tuple[Principal, float]:
        claims = self.tokens.verify(token)
        account = self.identity.accounts.get(claims["sub"])
        if account is None or account.disabled or account.token_version != claims["ver"]:
            raise TokenRejected("令牌已失效（账户已变更或停用），请重新登录 / token no longer valid: the account was "
                                "changed or disabled; sign in again")
        return (Principal(account.name, frozenset({"public", *account.roles}), account.display_name,
                          account.organisation, account.region, method="account"), float(claims["exp"]))

    def _key_principal(self, token: str) -> tuple[Principal, float | None]:
        check = self.identity.keys.check(token)
        key = check.key
        if key is None:
            raise TokenRejected(KEY_REFUSALS.get(check.reason, KEY_REFUSALS["unknown"]))
        self._note_use(key.id)
        principal = Principal(f"key:{key.id}", frozenset({"public", *key.roles}), key.name, key.owner_organisation,
                              key.region, scopes=key.scopes, method="api_key")
        return principal, key.expires_at.timestamp() if key.expires_at is not None else None

    def _note_use(self, key_id: str) -> None:
        now = self.timestamp()
        if now - self._touched.get(key_id, float("-inf")) < TOUCH_EVERY_SECONDS:
            return
        self._touched[key_id] = now
        at = self.now()

        def touch() -> None:
            try:
                self.identity.keys.touch(key_id, at)
            except Exception:  # a missed note of use must never fail or slow a request
                log.warning("could not note the use of API key %s", key_id, exc_info=True)

        try:
            self._toucher.submit(touch)
        except RuntimeError:  # shutting down
            pass


_LOCK = threading.Lock()
_BOUND: dict[int, tuple[Settings, IdentityService]] = {}


def bind(settings: Settings, store: Any, **options: Any) -> IdentityService:
    """Make the identity service of an app (its settings object) over its store."""
    service = IdentityService(settings, store, **options)
    with _LOCK:
        _BOUND[id(settings)] = (settings, service)
    return service


def unbind(service: IdentityService) -> None:
    with _LOCK:
        entry = _BOUND.get(id(service.settings))
        if entry is not None and entry[1] is service:
            del _BOUND[id(service.settings)]
    service.close()


def service_for(settings: Settings) -> IdentityService | None:
    entry = _BOUND.get(id(settings))
    return entry[1] if entry is not None and entry[0] is settings else None
