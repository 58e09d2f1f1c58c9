"""`onemap users`, `onemap roles`, `onemap keys` on both stores, through Typer's CliRunner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from gis_server.cli.main import app
from gis_server.settings import get_settings
from layers.identity import Identity
from layers.protect import AuditTrail
from tests.identity.conftest import PASSWORD

Run = Callable[..., Result]


@pytest.fixture
def onemap(store_url: str, identity_store: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    monkeypatch.setenv("ONEMAP_DATABASE_URL", store_url)
    get_settings.cache_clear()
    yield lambda *args, input=None: CliRunner().invoke(app, [str(a) for a in args], input=input)
    get_settings.cache_clear()


def add(onemap: Run, name: str = "li.si", *extra: str) -> Result:
    return onemap("users", "add", name, "--role", "safety_officer", "--org", "长春市交通运输局", "--region", "220100",
                  "--display-name", "李四", *extra, input=f"{PASSWORD}\n{PASSWORD}\n")


def test_users_add_asks_for_the_password_twice(onemap: Run, identity: Identity) -> None:
    result = add(onemap)
    assert result.exit_code == 0, result.output
    assert "已创建账户 / account created: li.si" in result.output
    account = identity.accounts.require("li.si")
    assert (account.roles, account.region, account.organisation, account.display_name) == (
        ("safety_officer",), "220100", "长春市交通运输局", "李四")
    assert identity.login.attempt("li.si", PASSWORD, address=None).ok


def test_users_add_refuses_mismatched_passwords(onemap: Run, identity: Identity) -> None:
    result = onemap("users", "add", "li.si", input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output  # asked again until both match
    assert identity.login.attempt("li.si", PASSWORD, address=None).ok


def test_password_from_stdin_and_bad_input(onemap: Run, identity: Identity) -> None:
    result = onemap("users", "add", "wang.wu", "--password-stdin", input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert identity.accounts.get("wang.wu") is not None
    duplicate = onemap("users", "add", "wang.wu", "--password-stdin", input=f"{PASSWORD}\n")
    assert duplicate.exit_code == 1 and "账户已存在" in duplicate.output
    bad_region = onemap("users", "add", "zhao.liu", "--region", "22", "--password-stdin", input=f"{PASSWORD}\n")
    assert bad_region.exit_code == 1 and "行政区划代码无效" in bad_region.output
    assert identity.accounts.get("zhao.liu") is None


def test_list_shows_disabled_and_locked_accounts(onemap: Run, identity: Identity) -> None:
    add(onemap, "li.si")
    add(onemap, "wang.wu")
    assert onemap("users", "disable", "wang.wu").exit_code == 0
    for _ in range(5):
        identity.login.attempt("li.si", "wrong password", address="10.0.0.9")
    lines = {line.split("\t")[0]: line for line in onemap("users", "list").output.splitlines()}
    assert "已锁定至 / locked until" in lines["li.si"] and "failed=5" in lines["li.si"]
    assert "已停用 / disabled" in lines["wang.wu"]
    assert PASSWORD not in onemap("users", "list", "--json").output and "argon2" not in onemap("users", "list").output
    assert onemap("users", "unlock", "li.si").exit_code == 0
    assert onemap("users", "enable", "wang.wu").exit_code == 0
    lines = {line.split("\t")[0]: line for line in onemap("users", "list").output.splitlines()}
    assert "正常 / active" in lines["li.si"] and "正常 / active" in lines["wang.wu"]
    assert identity.login.attempt("li.si", PASSWORD, address=None).ok


def test_passwd_and_roles(onemap: Run, identity: Identity) -> None:
    add(onemap)
    result = onemap("users", "passwd", "li.si", input="new password 2\nnew password 2\n")
    assert result.exit_code == 0, result.output
    assert identity.login.attempt("li.si", "new password 2", address=None).ok
    result = onemap("users", "roles", "li.si", "--add", "inspector", "--remove", "safety_officer")
    assert result.exit_code == 0, result.output
    assert identity.accounts.require("li.si").roles == ("inspector",)
    assert onemap("users", "roles", "li.si").exit_code == 2
    missing = onemap("users", "disable", "nobody")
    assert missing.exit_code == 1 and "账户不存在" in missing.output


def test_cli_changes_are_audited_as_the_os_user(onemap: Run, identity_store: Any) -> None:
    add(onemap)
    onemap("users", "roles", "li.si", "--add", "inspector")
    records = [r for r in AuditTrail(identity_store).records() if r.target == "account:li.si"]
    assert [r.action for r in records] == ["account_create", "permission_change"]
    assert all(r.actor.startswith("cli") for r in records)


def test_roles_list_counts_accounts_and_names_layer_grants(onemap: Run) -> None:
    add(onemap, "li.si")
    onemap("users", "add", "wang.wu", "--role", "safety_officer", "--role", "inspector", "--password-stdin",
           input=f"{PASSWORD}\n")
    lines = {line.split("\t")[0]: line for line in onemap("roles", "list").output.splitlines()}
    assert "accounts=2" in lines["safety_officer"] and "accounts=1" in lines["inspector"]
    assert "accounts=0" in lines["admin"] and "roads:write" in lines["admin"] and "bridges:write" in lines["admin"]
    assert "roads:read" in lines["public"]


def test_keys_create_shows_the_key_once(onemap: Run, identity: Identity) -> None:
    result = onemap("keys", "create", "--name", "省应急平台", "--scope", "roads:read", "--scope", "bridges:read",
                    "--role", "emergency", "--region", "220000", "--expires-days", "90")
    assert result.exit_code == 0, result.output
    text = result.output.strip().splitlines()[-1]
    assert text.startswith("omk_")
    check = identity.keys.check(text)
    assert check.key is not None and [f"{s.layer}:{s.access}" for s in check.key.scopes] == [
        "roads:read", "bridges:read"]
    listing = onemap("keys", "list").output
    assert check.key.id in listing and "active" in listing and "roads:read,bridges:read" in listing
    assert text.split("_", 2)[2] not in listing
    assert onemap("keys", "revoke", check.key.id).exit_code == 0
    assert "revoked" in onemap("keys", "list").output
    again = onemap("keys", "revoke", check.key.id)
    assert again.exit_code == 1 and "已吊销" in again.output
    assert identity.keys.check(text).reason == "revoked"


def test_keys_create_refuses_bad_scopes(onemap: Run, identity: Identity) -> None:
    result = onemap("keys", "create", "--name", "x", "--scope", "roads:delete")
    assert result.exit_code == 1 and "权限范围无效" in result.output
    assert identity.keys.all() == []


def test_help_explains_itself() -> None:
    result = CliRunner().invoke(app, ["keys", "create", "--help"])
    assert result.exit_code == 0
    assert "只显示这一次" in result.output and "layer:read" in result.output
