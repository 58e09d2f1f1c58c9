"""The users file: tokens name callers with roles, organisation and region; the admin token still works;
bad files and short tokens are refused; edits are picked up without a restart."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from gis_server.problems import ApiProblem
from gis_server.security import ADMIN, ANONYMOUS, authenticate
from gis_server.settings import Settings
from gis_server.users import UsersFileError, load_users, parse_users
from tests.workflow.support import ADMIN_TOKEN, OFFICER, TOKENS, write_users_file


def _settings(users_file: Path | None) -> Settings:
    return Settings(database_url="geopackage:///unused.gpkg", admin_token=ADMIN_TOKEN, users_file=users_file,
                    sweep_seconds=0)


def test_a_token_names_the_caller_with_roles_organisation_and_region(tmp_path: Path) -> None:
    settings = _settings(write_users_file(tmp_path / "users.yaml"))
    principal = authenticate(f"Bearer {TOKENS[OFFICER.name]}", settings)
    assert principal.name == "li.si" and principal.display_name == "李四"
    assert principal.roles == frozenset({"public", "safety_officer"})
    assert (principal.organisation, principal.region) == ("长春市交通运输局", "220100")
    assert authenticate(f"Bearer {ADMIN_TOKEN}", settings) == ADMIN
    assert authenticate(None, settings) == ANONYMOUS
    with pytest.raises(ApiProblem) as caught:
        authenticate(f"Bearer {TOKENS[OFFICER.name]}x", settings)  # one character more is another token
    assert caught.value.status == 401
    with pytest.raises(ApiProblem):  # without a users file only the admin token is known
        authenticate(f"Bearer {TOKENS[OFFICER.name]}", _settings(None))


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = write_users_file(tmp_path / "users.yaml")
    assert load_users(path).find(TOKENS[OFFICER.name]) is not None
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["users"].pop(TOKENS[OFFICER.name])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a later modification time, surely
    assert load_users(path).find(TOKENS[OFFICER.name]) is None
    assert len(load_users(path)) == 3


@pytest.mark.parametrize("document", [
    ["not", "a", "mapping"],
    {"short": {"name": "x"}},  # a token too short to be a secret
    {"a-long-enough-token-123": {"name": "x", "rank": "captain"}},  # unknown member
    {"a-long-enough-token-123": {"roles": ["x"]}},  # no name
])
def test_bad_users_files_are_refused(document: object) -> None:
    with pytest.raises(UsersFileError):
        parse_users(document)


def test_a_broken_users_file_is_a_503_not_a_silent_downgrade(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    path.write_text("users: [unclosed", encoding="utf-8")
    with pytest.raises(ApiProblem) as caught:
        authenticate("Bearer some-token-that-is-long", _settings(path))
    assert caught.value.status == 503
    assert authenticate(f"Bearer {ADMIN_TOKEN}", _settings(path)) == ADMIN  # the administrator is not locked out
