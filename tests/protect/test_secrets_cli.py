"""`onemap secrets status` and `onemap secrets rotate` on the configured store (both stores), and the
sample data's secret field: the enforcement cases' party ID numbers, valid, deterministic, and stored
encrypted even where no key is configured (the quickstart's embedded store)."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from domains.enforcement import DOMAIN
from domains.enforcement.cases import party_id_number
from domains.enforcement.samples import workflow_items
from domains.workflow.samples import insert_items
from gis_server.cli.main import app
from gis_server.settings import get_settings
from layers.protect import AuditTrail
from layers.protect.field_secrets import local_key_path
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.audit_wiring.support import POINTS
from tests.protect.secret_support import CASES, K1, K2, case, no_keys, use_keys

NOW = datetime(2025, 6, 16, 0, 0, tzinfo=UTC)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@pytest.fixture
def onemap(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    monkeypatch.setenv("ONEMAP_DATABASE_URL", store_url)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, [str(a) for a in args])
    get_settings.cache_clear()


@pytest.fixture
def store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    use_keys(monkeypatch, k1=K1)
    store = open_store(store_url)
    LayerRegistry(store).register_many([CASES, POINTS])
    yield store
    store.close()


def test_status_and_rotate(store: Any, onemap: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    store.insert(CASES, [case(i) for i in range(3)])
    use_keys(monkeypatch, "k2", k1=K1, k2=K2)
    status = onemap("secrets", "status")
    assert status.exit_code == 0, status.output
    assert "sec_cases.party_id_number: k1 3" in status.output
    rotated = onemap("secrets", "rotate", "--batch-size", 2)
    assert rotated.exit_code == 0, rotated.output
    assert "当前密钥 / active key: k2" in rotated.output
    assert "sec_cases: 重新加密 / re-encrypted 3, 加密明文 / encrypted plaintext 0" in rotated.output
    assert "sec_cases.party_id_number: k2 3" in onemap("secrets", "status").output
    records = AuditTrail(store).latest(2)
    assert [(r.actor, r.action) for r in records] == [(f"cli:{getpass.getuser()}", "key_rotation")] * 2
    assert onemap("audit", "verify").exit_code == 0
    again = onemap("secrets", "rotate", "--layer", CASES.id)
    assert "re-encrypted 0" in again.output and "already current 3" in again.output


def test_rotate_names_a_layer_without_secret_fields(store: Any, onemap: Callable[..., Result]) -> None:
    result = onemap("secrets", "rotate", "--layer", POINTS.id)
    assert result.exit_code == 2
    assert "没有加密字段 / layer 'aw_points' has no secret fields" in " ".join(result.output.split())


def _valid(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
    return len(number) == 18 and number[:17].isdigit() and "10X98765432"[total % 11] == number[17]


def test_sample_cases_carry_an_encrypted_party_id_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = workflow_items(NOW)["enf_cases"]
    numbers = [item.record.properties["party_id_number"] for item in cases]
    assert all(_valid(n) for n in numbers) and len(set(numbers)) > len(numbers) * 0.99
    assert all(n[:6] == item.record.properties["adcode"] for n, item in zip(numbers, cases, strict=True))
    layer = next(layer for layer in DOMAIN.layers() if layer.id == "enf_cases")
    assert layer.field("party_id_number").secret and "party_id_number" not in layer.tile_fields(20)
    no_keys(monkeypatch)  # the quickstart: an embedded store and no key configured
    store = open_store(f"geopackage://{tmp_path / 'onemap.gpkg'}")
    try:
        LayerRegistry(store).register(layer)
        insert_items(store, layer, [(item.record, item.history) for item in cases[:20]])
        assert local_key_path(store.path).exists()
        with store.engine.connect() as conn:
            raw = conn.execute(sa.text("SELECT party_id_number FROM enf_cases ORDER BY fid")).scalars().all()
        assert all(value.startswith("sm4gcm:local1:") for value in raw)
        read = [f.properties["party_id_number"] for f in next(store.iter_records(layer))]
        assert read == numbers[:20]
    finally:
        store.close()
    assert party_id_number(_Case(cases[0].record.properties)) == numbers[0]  # fixed by the case number alone


class _Case:
    def __init__(self, properties: dict[str, Any]) -> None:
        self.case_no, self.adcode = properties["case_no"], properties["adcode"]
