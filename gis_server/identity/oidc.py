"""Tokens from the provincial identity platform (OIDC): JWTs signed with RS256 or ES256 by keys the
platform publishes (JWKS), checked for signature, issuer, audience and time (`exp`/`nbf`, 30 s leeway).

The JWKS URL is `ONEMAP_OIDC_JWKS_URL`, or discovered from `<issuer>/.well-known/openid-configuration`.
Keys are fetched with `jwt.PyJWKClient`, cached, and fetched again when a token names an unknown `kid`
(at most once per `refetch_cooldown` seconds, so junk tokens cannot hammer the identity platform).
Claim names for roles, organisation and region are configurable and may be dotted paths
(`realm_access.roles`); the caller's name is `preferred_username`, else `sub`.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt

from gis_server.identity.errors import IdentityUnavailable, TokenRejected
from layers.access.principal import Principal
from layers.identity.accounts import REGION, RESERVED_ROLES, ROLE

ALGORITHMS = ("RS256", "ES256")
LEEWAY_SECONDS = 30
TIMEOUT_SECONDS = 5.0
RETRY_DISCOVERY_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class ClaimNames:
    roles: str = "roles"
    org: str = "org"
    region: str = "region"


def _claim(claims: dict[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class OidcVerifier:
    def __init__(self, issuer: str, audience: str, *, jwks_url: str | None = None, claims: ClaimNames | None = None,
                 refetch_cooldown: float = 30.0, timeout: float = TIMEOUT_SECONDS) -> None:
        self.issuer = issuer
        self.audience = audience
        self.claims = claims or ClaimNames()
        self.refetch_cooldown = refetch_cooldown
        self.timeout = timeout
        self._jwks_url = jwks_url
        self._client: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()
        self._discovery_failed_at: float | None = None

    def verify(self, token: str) -> tuple[Principal, float]:
        """The caller a valid token names, and when the token expires (epoch seconds)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise TokenRejected("令牌格式无效 / malformed token") from None
        if header.get("alg") not in ALGORITHMS:
            raise TokenRejected(f"不允许的签名算法 {header.get('alg')!r} / signature algorithm not allowed "
                                f"(only {', '.join(ALGORITHMS)})")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRejected("令牌未注明签名密钥 / the token names no signing key (kid)")
        try:
            key = self._jwks().get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as exc:
            raise IdentityUnavailable(f"无法获取身份平台的签名密钥 / cannot fetch the identity platform's keys: "
                                      f"{exc}") from None
        except jwt.PyJWKClientError:
            raise TokenRejected(f"签名密钥未知 / unknown signing key {kid!r}") from None
        except (jwt.PyJWKSetError, jwt.PyJWKError) as exc:
            raise IdentityUnavailable(f"身份平台的签名密钥无效 / the identity platform's key set is unusable: "
                                      f"{exc}") from None
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=list(ALGORITHMS), audience=self.audience, issuer=self.issuer,
                leeway=LEEWAY_SECONDS, options={"require": ["exp", "iss", "aud", "sub"]})
        except jwt.ExpiredSignatureError:
            raise TokenRejected("令牌已过期 / token expired") from None
        except jwt.ImmatureSignatureError:
            raise TokenRejected("令牌尚未生效 / token not yet valid (nbf/iat in the future)") from None
        except jwt.InvalidAudienceError:
            raise TokenRejected(f"令牌受众不是本平台 / token audience is not {self.audience!r}") from None
        except jwt.InvalidIssuerError:
            raise TokenRejected(f"令牌签发者不符 / token issuer is not {self.issuer!r}") from None
        except jwt.InvalidSignatureError:
            raise TokenRejected("令牌签名无效 / invalid token signature") from None
        except jwt.InvalidAlgorithmError:
            raise TokenRejected("签名算法与密钥不符 / the algorithm does not match the signing key") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRejected(f"令牌缺少声明 {exc.claim} / the token lacks the {exc.claim!r} claim") from None
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"令牌无效 / invalid token: {exc}") from None
        return self._principal(claims), float(claims["exp"])

    def _principal(self, claims: dict[str, Any]) -> Principal:
        name = claims.get("preferred_username") or claims.get("sub")
        if not isinstance(name, str) or not name.strip():
            raise TokenRejected("令牌未给出用户名 / the token names no user (preferred_username or sub)")
        raw_roles = _claim(claims, self.claims.roles)
        if isinstance(raw_roles, str):
            raw_roles = raw_roles.replace(",", " ").split()
        roles = {r for r in raw_roles if isinstance(r, str) and ROLE.match(r) and r not in RESERVED_ROLES} \
            if isinstance(raw_roles, list) else set()
        region = _claim(claims, self.claims.region)
        if isinstance(region, int) and not isinstance(region, bool):
            region = str(region)
        if region is not None and (not isinstance(region, str) or not REGION.match(region)):
            raise TokenRejected(f"令牌的行政区划代码无效 / invalid region claim {region!r}: expected 6 digits")
        org = _claim(claims, self.claims.org)
        display = claims.get("name")
        return Principal(name.strip()[:128], frozenset({"public", *roles}),
                         display_name=display if isinstance(display, str) else None,
                         organisation=org[:128] if isinstance(org, str) else None, region=region or None,
                         method="oidc")

    def _jwks(self) -> jwt.PyJWKClient:
        with self._lock:
            if self._client is not None:
                return self._client
            if self._discovery_failed_at is not None and \
                    time.monotonic() - self._discovery_failed_at < RETRY_DISCOVERY_SECONDS:
                raise IdentityUnavailable("身份平台暂不可达 / the identity platform was unreachable moments ago")
            url = self._jwks_url or self._discover()
            self._client = jwt.PyJWKClient(url, cache_keys=False, cache_jwk_set=True, lifespan=300,
                                           timeout=self.timeout, cooldown_duration=self.refetch_cooldown)
            return self._client

    def _discover(self) -> str:
        url = f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                document = json.load(response)
        except (OSError, ValueError) as exc:
            self._discovery_failed_at = time.monotonic()
            raise IdentityUnavailable(f"无法读取身份平台的配置 / cannot read the identity platform's discovery "
                                      f"document {url}: {exc}") from None
        jwks_uri = document.get("jwks_uri") if isinstance(document, dict) else None
        if not isinstance(jwks_uri, str) or document.get("issuer", "").rstrip("/") != self.issuer.rstrip("/"):
            self._discovery_failed_at = time.monotonic()
            raise IdentityUnavailable(f"身份平台配置无效 / the discovery document at {url} names another issuer or "
                                      "no jwks_uri")
        return jwks_uri
