"""`onemap audit verify` and `onemap audit list` on the configured store."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from typer.testing import CliRunner, Result

from gis_server.cli.main import app
from gis_server.settings import get_settings
from tests.protect.support import SWAP_2_AND_3, filled, tamper


@pytest.fixture
def onemap(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    monkeypatch.setenv("ONEMAP_DATABASE_URL", store_url)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, [str(a) for a in args])
    get_settings.cache_clear()


@pytest.fixture
def store(store_factory: Callable[[], object]) -> object:
    return store_factory()


def test_verify_intact_trail(onemap: Callable[..., Result], store: object) -> None:
    head = filled(store).latest(1)[0]
    result = onemap("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "完好 / intact: 5 records" in result.output
    assert head.hash in result.output


def test_verify_empty_trail(onemap: Callable[..., Result], store: object) -> None:
    result = onemap("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "完好 / intact: 0 records" in result.output


def test_verify_tampered_trail_exits_1_naming_the_records(onemap: Callable[..., Result], store: object) -> None:
    filled(store)
    tamper(store, "UPDATE onemap_audit SET target = 'roads/1' WHERE seq = 1", *SWAP_2_AND_3)
    result = onemap("audit", "verify")
    assert result.exit_code == 1, result.output
    assert "审计日志已被篡改 / the audit trail was tampered with: 3" in result.output
    assert "#1 altered" in result.output
    assert "#2 reordered" in result.output and "#3 reordered" in result.output
    assert "intact" not in result.output


def test_list_shows_the_newest_records(onemap: Callable[..., Result], store: object) -> None:
    assert "审计日志为空 / the audit trail is empty" in onemap("audit", "list").output
    filled(store)
    result = onemap("audit", "list", "--limit", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["#4", "#5"]
    assert lines[1].split("\t")[2:5] == ["carol", "permission_change", "role:prefecture"]
    as_json = [json.loads(line) for line in onemap("audit", "list", "--json").output.strip().splitlines()]
    assert [record["seq"] for record in as_json] == [1, 2, 3, 4, 5]
    assert as_json[2]["detail"] == {"from": "上报", "to": "核查"}
    assert as_json[4]["prev_hash"] == as_json[3]["hash"]
