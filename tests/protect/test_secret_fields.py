"""Secret fields in both stores: SM4 tokens in the table, in a `pg_dump` and in the GeoPackage's bytes;
plaintext through the store for a definition holding the field (masked where the view says), absent
for one without it; no filters on ciphertext; no plaintext in the append-only history; text columns."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from layers.errors import InvalidQuery
from layers.model import LayerDefinition
from layers.protect.field_secrets import SECRET_IN_HISTORY
from layers.query import FeatureQuery, OutputCrs, SortKey
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.history import GuardedTransition, HistoryRow
from tests.conftest import missing
from tests.protect.secret_support import CASES, case, id_number, use_keys
from tests.workflow.support import HAZARDS, T0, hazard

STORAGE = OutputCrs(4490, lat_first=False)
#: The test hazard workflow with a secret field a transition may set.
SECRET_HAZARDS = LayerDefinition.model_validate({
    **HAZARDS.model_dump(mode="json", exclude={"fields"}), "id": "sec_hazards",
    "fields": [*(f.model_dump(mode="json", exclude_defaults=True) for f in HAZARDS.fields
                 if f.name not in {"workflow_state", "holder", "holder_org", "state_since", "deadline", "overdue"}),
               {"name": "reporter_phone", "type": "string", "title_zh": "举报人电话", "secret": True}],
})


@pytest.fixture
def store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    use_keys(monkeypatch)
    store = open_store(store_url)
    LayerRegistry(store).register_many([CASES, SECRET_HAZARDS])
    yield store
    store.close()


def _raw(store: Any, column: str = "party_id_number", table: str = "sec_cases") -> list[Any]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.text(f'SELECT "{column}" FROM "{table}" ORDER BY fid')).scalars())


def test_the_table_holds_tokens_and_the_store_gives_plaintext(store: Any) -> None:
    fids = store.insert(CASES, [case(i) for i in range(3)])
    raw = _raw(store)
    assert all(value.startswith("sm4gcm:k1:") for value in raw)
    assert not any(id_number(i) in value for i, value in enumerate(raw))
    assert store.get(CASES, fids[1], STORAGE).properties["party_id_number"] == id_number(1)
    [batch] = list(store.iter_records(CASES))
    assert [f.properties["party_id_number"] for f in batch] == [id_number(i) for i in range(3)]
    page = orjson.loads(store.query(CASES, FeatureQuery(limit=10)).features_json)
    assert [f["properties"]["party_id_number"] for f in page] == [id_number(i) for i in range(3)]
    assert [f["properties"]["fine"] for f in page] == [0, 100, 200]
    replaced = store.replace(CASES, fids[0], case(0, party_id_number="220102198001011234"))
    assert replaced.properties["party_id_number"] == "220102198001011234"
    assert "220102198001011234" not in _raw(store)[0]


def test_a_view_without_the_field_never_gets_it_and_a_masked_one_gets_it_masked(store: Any) -> None:
    [fid] = store.insert(CASES, [case(7)])
    hidden = CASES.model_copy(update={"fields": tuple(f for f in CASES.fields if not f.secret)})
    page = orjson.loads(store.query(hidden, FeatureQuery(limit=10)).features_json)
    assert "party_id_number" not in page[0]["properties"]
    assert "party_id_number" not in store.get(hidden, fid, STORAGE).properties
    masked = CASES.model_copy(update={"fields": tuple(f.model_copy(update={"masked": f.secret})
                                                      for f in CASES.fields)})
    expected = id_number(7)[:6] + "*" * 8 + id_number(7)[-4:]
    page = orjson.loads(store.query(masked, FeatureQuery(limit=10)).features_json)
    assert page[0]["properties"]["party_id_number"] == expected
    assert store.get(masked, fid, STORAGE).properties["party_id_number"] == expected
    assert [f.properties["party_id_number"] for f in next(store.iter_records(masked))] == [expected]


def test_filters_and_sorts_on_a_secret_field_are_refused(store: Any) -> None:
    store.insert(CASES, [case(1)])
    for query in (FeatureQuery(equals=(("party_id_number", id_number(1)),)),
                  FeatureQuery(cql={"op": "=", "args": [{"property": "party_id_number"}, id_number(1)]}),
                  FeatureQuery(sortby=(SortKey("party_id_number"),))):
        with pytest.raises(InvalidQuery, match="加密字段 party_id_number 不能用于筛选或排序") as caught:
            store.query(CASES, query)
        assert caught.value.parameter == "party_id_number"


def test_a_transition_encrypts_what_it_sets_and_the_history_keeps_no_secret(store: Any) -> None:
    layer = LayerRegistry(store).get("sec_hazards")
    [fid] = store.insert_with_history(layer, [(hazard(reporter_phone="13812345678", workflow_state="reported",
                                                      overdue=False),
                                               [HistoryRow(layer.id, 0, 1, T0, "wang.wu", "reported",
                                                           values={"reporter_phone": "13812345678"})])])
    step = HistoryRow(layer.id, fid, 0, T0, "li.si", "dismissed", "reported", "dismiss",
                      values={"reporter_phone": "13900001111"})
    done = store.transition(layer, GuardedTransition(fid, "reported", 1, {"reporter_phone": "13900001111",
                                                                           "workflow_state": "dismissed"}, step))
    assert done.properties["reporter_phone"] == "13900001111"
    assert _raw(store, "reporter_phone", "sec_hazards")[0].startswith("sm4gcm:")
    history = store.history(layer, fid)
    assert [h.values.get("reporter_phone") for h in history] == [SECRET_IN_HISTORY, SECRET_IN_HISTORY]
    with store.engine.connect() as conn:
        stored = " ".join(str(v) for v in conn.execute(sa.text("SELECT values_json FROM onemap_history")).scalars())
    assert "1381234" not in stored and "1390000" not in stored


def test_secret_columns_are_text_whatever_the_declared_length(store: Any) -> None:
    with store.engine.connect() as conn:
        if store.kind == "postgis":
            row = conn.execute(sa.text("SELECT data_type, character_maximum_length FROM information_schema.columns "
                                       "WHERE table_name = 'sec_cases' AND column_name = :c"),
                               {"c": "party_id_number"}).one()
            assert tuple(row) == ("text", None)
            assert conn.execute(sa.text("SELECT character_maximum_length FROM information_schema.columns WHERE "
                                        "table_name = 'sec_cases' AND column_name = 'case_no'")).scalar() == 24
        else:
            types = {row[1]: row[2] for row in conn.exec_driver_sql('PRAGMA table_info("sec_cases")')}
            assert (types["party_id_number"], types["case_no"]) == ("TEXT", "TEXT(24)")


def test_a_database_dump_holds_no_plaintext(store: Any, store_url: str, tmp_path: Path) -> None:
    store.insert(CASES, [case(i) for i in range(5)])
    if store.kind == "postgis":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            missing("pg_dump is not installed")
        url = sa.make_url(store_url).set(drivername="postgresql").render_as_string(hide_password=False)
        dump = subprocess.run([pg_dump, "--data-only", "--table=sec_cases", url], capture_output=True, check=True,
                              env={**os.environ, "PGCONNECT_TIMEOUT": "10"}).stdout
    else:
        store.close()  # checkpoint the WAL into the file, as a copy of the file would be
        dump = store.path.read_bytes() + b"".join(p.read_bytes() for p in store.path.parent.glob("*.gpkg-*"))
    assert dump.count(b"sm4gcm:k1:") >= 5
    for i in range(5):
        assert id_number(i).encode() not in dump
