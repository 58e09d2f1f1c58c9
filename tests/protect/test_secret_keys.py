"""Keys of the secret fields, both stores: rotation re-encrypts under the new key while old rows stay
readable, resumes by running again and is audited; a wrong key or no key is a clear error; an embedded
store without configured keys makes its own local key file (0600), PostGIS refuses."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from layers.protect import AuditTrail, DecryptionError, KeyConfigError
from layers.protect.field_secrets import local_key_path
from layers.protect.secret_rotation import census, rotate_layer
from layers.query import FeatureQuery, OutputCrs
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.protect.secret_support import CASES, K1, K2, OTHER_KEY, case, id_number, no_keys, use_keys

STORAGE = OutputCrs(4490, lat_first=False)


@pytest.fixture
def store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    use_keys(monkeypatch, k1=K1)
    store = open_store(store_url)
    LayerRegistry(store).register(CASES)
    yield store
    store.close()


def _ids(store: Any) -> list[str]:
    return [f.properties["party_id_number"] for batch in store.iter_records(CASES) for f in batch]


def test_rotation_moves_every_value_to_the_active_key(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    store.insert(CASES, [case(i) for i in range(5)])
    with store.engine.begin() as conn:  # a value written before the field was marked secret
        conn.execute(sa.text("UPDATE sec_cases SET party_id_number = :v WHERE case_no = 'ZF0004'"),
                     {"v": id_number(4)})
    use_keys(monkeypatch, "k2", k1=K1, k2=K2)
    assert _ids(store) == [id_number(i) for i in range(5)]  # old rows still read under the new ring
    store.insert(CASES, [case(5)])
    assert census(store, CASES)["party_id_number"] == {"k1": 4, "k2": 1, "plaintext": 1}
    before = AuditTrail(store).count()
    seen: list[int] = []
    report = rotate_layer(store, CASES, store.secrets.cipher(), batch_size=2, progress=lambda r: seen.append(r.rows))
    assert (report.rewrapped, report.encrypted, report.current, report.rows) == (4, 1, 1, 6)
    assert seen == [2, 4, 6] and report.batches == 3
    assert census(store, CASES)["party_id_number"] == {"k2": 6}
    records = AuditTrail(store).records(after_seq=before)
    assert [r.action for r in records] == ["key_rotation"] * 3
    assert records[0].detail["active_key"] == "k2" and records[0].detail["fields"] == ["party_id_number"]
    assert AuditTrail(store).verify() == []
    use_keys(monkeypatch, "k2", k2=K2)  # k1 leaves the ring: nothing needs it any more
    assert _ids(store) == [id_number(i) for i in range(6)]
    again = rotate_layer(store, CASES, store.secrets.cipher())  # resuming finds nothing left to do
    assert (again.rewrapped, again.encrypted, again.current) == (0, 0, 6)
    assert AuditTrail(store).count() == before + 3


def test_a_wrong_key_is_a_clear_error(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    [fid] = store.insert(CASES, [case(1)])
    use_keys(monkeypatch, k1=OTHER_KEY)
    with pytest.raises(DecryptionError, match="加密字段校验失败"):
        store.get(CASES, fid, STORAGE)
    with pytest.raises(DecryptionError):
        store.query(CASES, FeatureQuery())
    use_keys(monkeypatch, "k9", k9=K2)
    with pytest.raises(DecryptionError, match="未知的 SM4 密钥编号 / unknown SM4 key id 'k1'"):
        store.get(CASES, fid, STORAGE)


def test_a_malformed_key_configuration_is_refused_before_writing(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEMAP_SM4_KEYS", '{"active": "k1", "keys": {"k1": "short"}}')
    with pytest.raises(KeyConfigError, match="32 位十六进制"):
        store.insert(CASES, [case(1)])
    assert store.layer_state(CASES).feature_count == 0


def test_without_keys_postgis_refuses_and_an_embedded_store_makes_a_local_key(
        store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    no_keys(monkeypatch)
    store = open_store(store_url)
    try:
        LayerRegistry(store).register(CASES)
        without = case(2, party_id_number=None)
        if store.kind == "postgis":
            with pytest.raises(KeyConfigError, match="未配置 SM4 密钥") as caught:
                store.insert(CASES, [case(1)])
            assert "ONEMAP_SM4_KEYS" in caught.value.message
            assert store.layer_state(CASES).feature_count == 0
            [fid] = store.insert(CASES, [without])  # no secret value, no key needed
            assert store.get(CASES, fid, STORAGE).properties["party_id_number"] is None
            return
        key_file = local_key_path(store.path)
        assert not key_file.exists()
        store.insert(CASES, [case(1), without])
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert orjson.loads(key_file.read_bytes())["active"] == "local1"
        with store.engine.connect() as conn:
            raw = conn.execute(sa.text("SELECT party_id_number FROM sec_cases ORDER BY fid")).scalars().all()
        assert raw[0].startswith("sm4gcm:local1:") and raw[1] is None
        other = open_store(store_url)  # another process of the same installation reads with the same key
        try:
            assert [f.properties["party_id_number"] for f in next(other.iter_records(CASES))] == [id_number(1), None]
        finally:
            other.close()
    finally:
        store.close()
