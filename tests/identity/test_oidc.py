"""Tokens of the provincial identity platform (OIDC), against a real local HTTP server serving the
discovery document and the JWKS of keys made here: valid tokens name their caller; expired ones, other
audiences or issuers, other keys, `alg=none` and HS256 signed with the public key are refused (401)
with a detail saying why. OIDC involves no storage of its own, so one store (GeoPackage) suffices."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from gis_server.app import create_app
from gis_server.identity import IdentityService
from gis_server.settings import Settings
from layers.stores import open_store
from tests.identity.conftest import bearer

AUDIENCE = "onemap-jilin"


class IdentityPlatform:
    """A tiny OIDC provider: discovery + JWKS over HTTP, and token minting with its keys."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {"rsa-1": rsa.generate_private_key(public_exponent=65537, key_size=2048)}
        self.published = ["rsa-1"]
        self.jwks_requests = 0
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": platform.issuer, "jwks_uri": f"{platform.issuer}/jwks"}
                elif self.path == "/jwks":
                    platform.jwks_requests += 1
                    body = {"keys": [platform.jwk(kid) for kid in platform.published]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def jwk(self, kid: str) -> dict[str, Any]:
        key = self.keys[kid]
        algorithm = jwt.algorithms.ECAlgorithm if isinstance(key, ec.EllipticCurvePrivateKey) \
            else jwt.algorithms.RSAAlgorithm
        return {**algorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "use": "sig",
                "alg": "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"}

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        base = {"iss": self.issuer, "aud": AUDIENCE, "sub": "u-1001", "preferred_username": "zhao.liu",
                "name": "赵六", "roles": ["safety_officer", "system"], "org": "吉林市交通运输局", "region": "220200",
                "iat": now, "exp": now + 600}
        base.update(changes)
        return {k: v for k, v in base.items() if v is not None}

    def token(self, kid: str = "rsa-1", algorithm: str = "RS256", key: Any = None, **changes: Any) -> str:
        return jwt.encode(self.claims(**changes), key or self.keys[kid], algorithm=algorithm, headers={"kid": kid})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def platform() -> Iterator[IdentityPlatform]:
    provider = IdentityPlatform()
    yield provider
    provider.close()


@pytest.fixture
def oidc_client(platform: IdentityPlatform, gpkg_url: str, tmp_path: Path) -> Iterator[TestClient]:
    store = open_store(gpkg_url)
    settings = Settings(database_url=gpkg_url, admin_token="oidc-admin-token", rate_limit=None, users_file=None,
                        token_key_file=tmp_path / "token.key", oidc_issuer=platform.issuer, oidc_audience=AUDIENCE)
    with TestClient(create_app(settings, store=store), raise_server_exceptions=False) as client:
        yield client
    store.close()


def session(client: TestClient, token: str) -> Any:
    return client.get("/map/session", headers=bearer(token))


def refusal(client: TestClient, token: str) -> str:
    response = session(client, token)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "invalid_token" in response.headers["www-authenticate"]
    return str(response.json()["detail"])


def test_a_valid_token_names_its_caller(oidc_client: TestClient, platform: IdentityPlatform) -> None:
    response = session(oidc_client, platform.token())
    assert response.status_code == 200, response.text
    assert response.json() == {"name": "zhao.liu", "display_name": "赵六", "roles": ["public", "safety_officer"],
                               "organisation": "吉林市交通运输局", "region": "220200", "anonymous": False}
    principal = oidc_client.app.state.identity.principal(platform.token())  # type: ignore[attr-defined]
    assert principal.method == "oidc" and "system" not in principal.roles  # the platform's own role is not grantable


def test_keys_are_discovered_once_and_cached(oidc_client: TestClient, platform: IdentityPlatform) -> None:
    assert session(oidc_client, platform.token()).status_code == 200
    assert session(oidc_client, platform.token(sub="u-2", preferred_username="qian.qi")).json()["name"] == "qian.qi"
    assert platform.jwks_requests == 1


def test_an_unknown_kid_fetches_the_keys_again(oidc_client: TestClient, platform: IdentityPlatform) -> None:
    oidc_client.app.state.identity.oidc.refetch_cooldown = 0  # type: ignore[attr-defined]
    assert session(oidc_client, platform.token()).status_code == 200
    platform.keys["ec-2"] = ec.generate_private_key(ec.SECP256R1())
    platform.published.append("ec-2")  # the platform rotates in a new (EC) key
    response = session(oidc_client, platform.token("ec-2", "ES256", sub="u-3", preferred_username="sun.ba"))
    assert response.status_code == 200, response.text
    assert platform.jwks_requests == 2


def test_the_name_falls_back_to_sub(oidc_client: TestClient, platform: IdentityPlatform) -> None:
    assert session(oidc_client, platform.token(preferred_username=None)).json()["name"] == "u-1001"


def test_expired_token(oidc_client: TestClient, platform: IdentityPlatform) -> None:
    past = int(time.time()) - 3600
    assert "过期" in refusal(oidc_client, platform.token(iat=past - 600, exp=past))


def test_not_yet_valid_token(oidc_client: TestClient, platform: IdentityPlatform) -> None:
    assert "尚未生效" in refusal(oidc_client, platform.token(nbf=int(time.time()) + 3600))


def test_wrong_audience(oidc_client: TestClient, platform: IdentityPlatform) -> None:
    assert "受众" in refusal(oidc_client, platform.token(aud="another-app"))


def test_wrong_issuer(oidc_client: TestClient, platform: IdentityPlatform) -> None:
    assert "签发者" in refusal(oidc_client, platform.token(iss="https://evil.example"))


def test_wrong_key(oidc_client: TestClient, platform: IdentityPlatform) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert "签名无效" in refusal(oidc_client, platform.token(key=stranger))
    platform.keys["rsa-9"] = stranger  # known to the forger, never published
    assert "签名密钥未知" in refusal(oidc_client, platform.token("rsa-9"))


def test_alg_none(oidc_client: TestClient, platform: IdentityPlatform) -> None:
    unsigned = jwt.encode(platform.claims(), None, algorithm="none", headers={"kid": "rsa-1"})
    assert "算法" in refusal(oidc_client, unsigned)


def test_hs256_signed_with_the_public_key(oidc_client: TestClient, platform: IdentityPlatform) -> None:
    public_pem = platform.keys["rsa-1"].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT', 'kid': 'rsa-1'})}.{part(platform.claims())}"
    signature = base64.urlsafe_b64encode(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    forged = f"{signing_input}.{signature.rstrip(b'=').decode()}"
    assert "算法" in refusal(oidc_client, forged)


def test_invalid_region_claim(oidc_client: TestClient, platform: IdentityPlatform) -> None:
    assert "行政区划" in refusal(oidc_client, platform.token(region="jilin"))


def test_claim_names_are_configurable(platform: IdentityPlatform, gpkg_url: str, tmp_path: Path) -> None:
    store = open_store(gpkg_url)
    settings = Settings(database_url=gpkg_url, token_key_file=tmp_path / "k", oidc_issuer=platform.issuer,
                        oidc_audience=AUDIENCE, oidc_jwks_url=f"{platform.issuer}/jwks",
                        oidc_roles_claim="realm_access.roles", oidc_org_claim="dept", oidc_region_claim="adcode")
    service = IdentityService(settings, store)
    token = platform.token(roles=None, realm_access={"roles": ["inspector"]}, dept="延边州交通局", adcode=222400)
    principal = service.principal(token)
    assert principal is not None
    assert (principal.roles, principal.organisation, principal.region) == (
        {"public", "inspector"}, "延边州交通局", "222400")
    service.close()
    store.close()


def test_an_unreachable_platform_is_503(gpkg_url: str, tmp_path: Path, platform: IdentityPlatform) -> None:
    token = platform.token()
    platform.close()
    store = open_store(gpkg_url)
    settings = Settings(database_url=gpkg_url, rate_limit=None, token_key_file=tmp_path / "k",
                        oidc_issuer=platform.issuer, oidc_audience=AUDIENCE)
    with TestClient(create_app(settings, store=store), raise_server_exceptions=False) as client:
        response = session(client, token)
    store.close()
    assert response.status_code == 503
    assert "身份平台" in response.json()["detail"]


def test_an_issuer_without_an_audience_is_a_configuration_error(gpkg_url: str, tmp_path: Path) -> None:
    store = open_store(gpkg_url)
    settings = Settings(database_url=gpkg_url, token_key_file=tmp_path / "k", oidc_issuer="https://idp.example")
    with pytest.raises(ValueError, match="ONEMAP_OIDC_AUDIENCE"):
        IdentityService(settings, store)
    store.close()
