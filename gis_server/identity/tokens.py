"""The platform's own tokens: JWTs (PyJWT, HS256) issued by `POST /auth/token` to local accounts.

Claims: `sub` (account name), `roles`, `org`, `region`, `iat`, `exp`, `iss` = "onemap", `jti` (random),
`ver` (the account's token version: a password or role change, or disabling, moves it and ends the
token). The signing secret is `ONEMAP_TOKEN_SECRET`, or else a random secret kept in a key file
(`ONEMAP_TOKEN_KEY_FILE`; by default next to the GeoPackage as `<name>.token-key`, or
`$ONEMAP_DATA_DIR/onemap-token.key` on PostGIS), created with mode 0600 on first use.
Times are checked against the service's clock (injectable), not the wall clock inside PyJWT.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt

from gis_server.identity.errors import IdentityUnavailable, TokenRejected
from gis_server.settings import DEFAULT_DATA_DIR, Settings
from layers.identity import Account

log = logging.getLogger("onemap.identity")

ISSUER = "onemap"
ALGORITHM = "HS256"
MIN_SECRET_LENGTH = 32
LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ["sub", "iat", "exp", "iss", "jti", "ver"]


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int
    jti: str

    def as_json(self) -> dict[str, Any]:
        return {"access_token": self.access_token, "token_type": "Bearer", "expires_in": self.expires_in}


def key_file(settings: Settings, store: Any) -> Path:
    if settings.token_key_file is not None:
        return settings.token_key_file
    if getattr(store, "kind", None) == "geopackage":
        path = Path(store.path)
        return path.with_name(f"{path.stem}.token-key")
    return (DEFAULT_DATA_DIR / "onemap-token.key").resolve()


def token_secret(settings: Settings, store: Any) -> bytes:
    """The signing secret: the setting, or the key file's (made on first use, 0600)."""
    if settings.token_secret is not None:
        if len(settings.token_secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"ONEMAP_TOKEN_SECRET 至少 {MIN_SECRET_LENGTH} 个字符 / must be at least "
                             f"{MIN_SECRET_LENGTH} characters long")
        return settings.token_secret.encode()
    path = key_file(settings, store)
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    try:
        os.link(draft, path)  # atomic, and never replaces a key another worker made first
        log.info("made the platform token key file %s", path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    text = path.read_text(encoding="utf-8").strip()
    if len(text) < MIN_SECRET_LENGTH:
        raise ValueError(f"令牌密钥文件内容过短 / the token key file {path} must hold at least {MIN_SECRET_LENGTH} "
                         "characters")
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the token key file %s is readable by others than its owner: chmod 600 it", path)
    return text.encode()


class PlatformTokens:
    """Issues and checks platform tokens. The secret is loaded (the key file made) on first use, so a
    server whose callers never sign in with a password writes no key file."""

    def __init__(self, secret: Callable[[], bytes], hours: float, clock: Callable[[], datetime]) -> None:
        self._load = secret
        self._secret: bytes | None = None
        self._lock = threading.Lock()
        self.lifetime = timedelta(hours=hours)
        self.clock = clock

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            with self._lock:
                if self._secret is None:
                    try:
                        self._secret = self._load()
                    except (OSError, ValueError) as exc:
                        raise IdentityUnavailable(f"无法读取或生成令牌密钥 / cannot read or make the token "
                                                  f"key: {exc}") from None
        return self._secret

    def issue(self, account: Account) -> IssuedToken:
        now = self.clock()
        jti = uuid.uuid4().hex
        claims = {"sub": account.name, "roles": list(account.roles), "org": account.organisation,
                  "region": account.region, "iat": int(now.timestamp()), "exp": int((now + self.lifetime).timestamp()),
                  "iss": ISSUER, "jti": jti, "ver": account.token_version}
        text = jwt.encode(claims, self.secret, algorithm=ALGORITHM)
        return IssuedToken(text, int(self.lifetime.total_seconds()), jti)

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a valid, unexpired platform token, else TokenRejected saying why."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self.secret, algorithms=[ALGORITHM], issuer=ISSUER,
                options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False, "verify_nbf": False})
        except jwt.InvalidAlgorithmError:
            raise TokenRejected("不允许的签名算法 / signature algorithm not allowed for platform tokens") from None
        except jwt.InvalidSignatureError:
            raise TokenRejected("令牌签名无效 / invalid token signature") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRejected(f"令牌缺少声明 {exc.claim} / the token lacks the {exc.claim!r} claim") from None
        except jwt.InvalidTokenError:
            raise TokenRejected("令牌无效 / invalid token") from None
        exp, ver = claims.get("exp"), claims.get("ver")
        if not isinstance(exp, int) or not isinstance(ver, int) or not isinstance(claims.get("sub"), str):
            raise TokenRejected("令牌声明无效 / invalid token claims")
        if exp <= self.clock().timestamp() - LEEWAY_SECONDS:
            raise TokenRejected("令牌已过期，请重新登录 / token expired: sign in again")
        return claims
