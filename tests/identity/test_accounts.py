"""Local accounts in both stores: argon2id hashes (never the password), validation, role and password
changes that end sessions, and an audit record for every change."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from layers.identity import AccountExists, AccountNotFound, Identity, InvalidIdentityInput, Passwords, open_identity
from layers.protect import AuditTrail
from tests.identity.conftest import PASSWORD, Clock, add_account


def stored_hash(store: Any, name: str) -> str:
    with store.engine.connect() as conn:
        return str(conn.execute(sa.text("SELECT password_hash FROM onemap_accounts WHERE name = :n"),
                                {"n": name}).scalar_one())


def test_the_table_holds_an_argon2id_hash_not_the_password(identity: Identity, identity_store: Any) -> None:
    add_account(identity)
    stored = stored_hash(identity_store, "li.si")
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


def test_production_hashes_use_the_rfc_9106_parameters(identity_store: Any, clock: Clock) -> None:
    real = open_identity(identity_store, clock=clock, passwords=Passwords(PasswordHasher()))
    real.accounts.create("test", name="wang.wu", password=PASSWORD)
    assert stored_hash(identity_store, "wang.wu").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_account_fields_read_back(identity: Identity) -> None:
    add_account(identity, roles=("safety_officer", "public", "inspector"))
    account = identity.accounts.require("li.si")
    assert account.roles == ("inspector", "safety_officer")  # `public` is implicit, never stored
    assert (account.region, account.organisation, account.display_name) == ("220100", "长春市交通运输局", "李四")
    assert not account.disabled and account.failed_logins == 0 and account.locked_until is None
    assert account.created_at.tzinfo is not None


def test_a_second_account_with_the_same_name_is_refused(identity: Identity) -> None:
    add_account(identity)
    with pytest.raises(AccountExists):
        add_account(identity)


@pytest.mark.parametrize(("field", "value"), [
    ("name", "Li Si"), ("name", "admin"), ("roles", ["Safety Officer"]), ("roles", ["system"]),
    ("region", "2201"), ("password", "short"), ("password", "li.si"),
])
def test_invalid_input_names_the_field(identity: Identity, field: str, value: Any) -> None:
    arguments: dict[str, Any] = {"name": "li.si", "password": PASSWORD, "roles": [], "region": None, field: value}
    with pytest.raises(InvalidIdentityInput) as caught:
        identity.accounts.create("test", **arguments)
    assert caught.value.field == field
    assert " / " in caught.value.message  # Chinese first, English beside
    assert identity.accounts.get("li.si") is None


def test_changes_that_end_sessions_move_the_token_version(identity: Identity) -> None:
    add_account(identity)
    version = identity.accounts.require("li.si").token_version
    assert identity.accounts.set_password("test", "li.si", "another password").token_version == version + 1
    assert identity.accounts.change_roles("test", "li.si", add=["inspector"]).token_version == version + 2
    assert identity.accounts.change_roles("test", "li.si", add=["inspector"]).token_version == version + 2  # no-op
    assert identity.accounts.set_disabled("test", "li.si", True).token_version == version + 3
    assert identity.accounts.set_disabled("test", "li.si", False).token_version == version + 3
    assert identity.accounts.set_roles("test", "li.si", []).roles == ()


def test_changing_an_unknown_account_is_not_found(identity: Identity) -> None:
    with pytest.raises(AccountNotFound):
        identity.accounts.set_roles("test", "nobody", ["inspector"])


def test_every_change_is_audited_in_order(identity: Identity, identity_store: Any) -> None:
    add_account(identity)
    identity.accounts.change_roles("boss", "li.si", add=["inspector"], remove=["safety_officer"])
    identity.accounts.set_password("boss", "li.si", "another password")
    identity.accounts.set_disabled("boss", "li.si", True)
    identity.accounts.unlock("boss", "li.si")
    records = [r for r in AuditTrail(identity_store).records() if r.target.startswith("account:")]
    assert [(r.actor, r.action, r.target) for r in records] == [
        ("test", "account_create", "account:li.si"), ("boss", "permission_change", "account:li.si"),
        ("boss", "password_change", "account:li.si"), ("boss", "account_disable", "account:li.si"),
        ("boss", "account_unlock", "account:li.si")]
    assert records[1].detail == {"before": ["safety_officer"], "after": ["inspector"]}
    assert all(PASSWORD not in str(r.detail) and "another password" not in str(r.detail) for r in records)
    assert AuditTrail(identity_store).verify() == []


def test_a_failed_change_leaves_neither_change_nor_record(identity: Identity, identity_store: Any) -> None:
    add_account(identity)
    before = AuditTrail(identity_store).count()
    with pytest.raises(InvalidIdentityInput):
        identity.accounts.set_roles("boss", "li.si", ["Not A Role"])
    assert identity.accounts.require("li.si").roles == ("safety_officer",)
    assert AuditTrail(identity_store).count() == before


def test_role_counts(identity: Identity) -> None:
    add_account(identity, "li.si", roles=("safety_officer", "inspector"))
    add_account(identity, "wang.wu", roles=("inspector",))
    assert identity.accounts.role_counts() == {"inspector": 2, "safety_officer": 1}
