"""What only the PostGIS store does: its DDL, migrations, SQL-side GeoJSON and reprojection, COPY.

Runs against the real server through the `postgis_url` fixture (a fresh database per session,
tables dropped after each test).
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
import sqlalchemy as sa
from pyproj import Transformer
from shapely.geometry import LineString, Point

from layers.errors import InvalidFeature, LayerExists, StoreUnavailable
from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition
from layers.query import FeatureQuery, OutputCrs
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from layers.stores.postgis import PostgisStore
from layers.stores.postgis.dialect import PostgisDialect
from layers.stores.postgis.migrate import head_revision
from layers.stores.postgis.store import normalize_url
from layers.stores.postgis.tables import layer_table
from tests.conftest import _admin_url
from tests.postgis_reset import drop_everything

pytestmark = pytest.mark.postgis

STATIONS = LayerDefinition(
    id="stations",
    title_zh="客运站",
    title_en="Bus stations",
    domain="road_transport",
    catalogue_code="JL-JT-TEST-0101",
    geometry_type=GeometryType.POINT,
    fields=(
        FieldSpec(name="name", type=FieldType.STRING, title_zh="站名", max_length=20),
        FieldSpec(name="grade", type=FieldType.INTEGER, title_zh="等级"),
        FieldSpec(name="opened", type=FieldType.DATE, title_zh="启用日期"),
        FieldSpec(name="checked_at", type=FieldType.DATETIME, title_zh="检查时间"),
    ),
    temporal_field="checked_at",
)

CHANGCHUN = (125.32, 43.82)


@pytest.fixture
def store(postgis_url):
    opened = open_store(postgis_url)
    assert isinstance(opened, PostgisStore)
    yield opened
    opened.close()


@pytest.fixture
def stations(store):
    store.register_layer(STATIONS)
    return STATIONS


def station(i: int, **overrides: object) -> FeatureRecord:
    properties = {"name": f"站{i}", "grade": i % 3 + 1, "opened": date(2020, 1, 1) + timedelta(days=i),
                  "checked_at": datetime(2024, 5, 1, tzinfo=UTC) + timedelta(hours=i)}
    properties.update(overrides)
    return FeatureRecord(Point(CHANGCHUN[0] + i * 0.001, CHANGCHUN[1] + i * 0.0005), properties)


class Statements:
    """Collects the SQL the store's engine sends (SQLAlchemy-level statements)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.seen: list[str] = []
        self.engine = engine
        sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.seen.append(statement)

    def clear(self) -> None:
        self.seen.clear()

    def close(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def statements(store):
    recorder = Statements(store.engine)
    yield recorder
    recorder.close()


def features(page) -> list[dict]:
    return json.loads(page.features_json)


# -- DDL ----------------------------------------------------------------------------------------

def test_layer_table_has_srid_4490_geometry_gist_index_and_chinese_comments(store, stations):
    with store.engine.connect() as conn:
        geometry = conn.execute(sa.text(
            "SELECT type, srid FROM geometry_columns WHERE f_table_name = 'stations' AND f_geometry_column = 'geom'"
        )).one()
        indexes = dict(conn.execute(sa.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'stations'")).all())
        table_comment = conn.execute(sa.text("SELECT obj_description('stations'::regclass, 'pg_class')")).scalar()
        name_comment = conn.execute(sa.text(
            "SELECT col_description('stations'::regclass, attnum) FROM pg_attribute "
            "WHERE attrelid = 'stations'::regclass AND attname = 'name'")).scalar()
        fid_identity = conn.execute(sa.text(
            "SELECT is_identity FROM information_schema.columns WHERE table_name = 'stations' AND column_name = 'fid'"
        )).scalar()
    assert (geometry.type, geometry.srid) == ("POINT", 4490)
    assert any("USING gist (geom)" in d for d in indexes.values())
    assert any("USING btree (checked_at)" in d for d in indexes.values())
    assert table_comment == "客运站"
    assert name_comment == "站名"
    assert fid_identity == "YES"


def test_layer_id_taken_by_another_table_is_refused_and_nothing_registered(store):
    squatter = STATIONS.model_copy(update={"id": "spatial_ref_sys"})
    before = store.registry_revision()
    with pytest.raises(LayerExists):
        store.register_layer(squatter)
    assert store.registry_revision() == before
    assert store.load_layer_definitions() == []


def test_replace_with_changed_field_type_is_refused_and_keeps_table(store, stations):
    store.insert(stations, [station(1)])
    changed = stations.model_copy(update={"fields": (
        FieldSpec(name="name", type=FieldType.INTEGER, title_zh="站名"), *stations.fields[1:])})
    with pytest.raises(InvalidFeature) as caught:
        store.register_layer(changed, replace=True)
    assert caught.value.field == "name"
    assert store.load_layer_definitions() == [stations]
    assert features(store.query(stations, FeatureQuery()))[0]["properties"]["name"] == "站1"


# -- migrations -----------------------------------------------------------------------------------

def test_alembic_head_applied_once_and_initialize_is_idempotent(store, stations, postgis_url):
    revision = store.registry_revision()
    again = PostgisStore(postgis_url)
    again.initialize()
    again.initialize()
    with again.engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version_num FROM onemap_alembic_version")).scalars().all()
        meta = conn.execute(sa.text("SELECT key, value FROM onemap_meta")).all()
    again.close()
    assert versions == [head_revision()]
    assert head_revision() is not None
    assert [tuple(row) for row in meta] == [("registry_revision", revision)]
    assert store.load_layer_definitions() == [stations]


def test_workers_starting_together_on_an_empty_database_all_succeed(postgis_url):
    drop_everything(postgis_url)  # not even the platform tables: every worker migrates at once
    errors: list[BaseException] = []
    stores = [PostgisStore(postgis_url) for _ in range(4)]
    start = threading.Barrier(len(stores))

    def boot(s: PostgisStore) -> None:
        try:
            start.wait()
            s.initialize()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=boot, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    revisions = {s.registry_revision() for s in stores}
    for s in stores:
        s.close()
    assert errors == []
    assert revisions == {0}


def test_database_without_postgis_and_no_right_to_create_it_is_store_unavailable(postgis_url):
    admin = sa.create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:8]
    role, database = f"onemap_plain_{suffix}", f"onemap_plain_{suffix}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(sa.text(f'CREATE DATABASE "{database}" OWNER "{role}"'))
    url = sa.make_url(_admin_url()).set(username=role, password=None, database=database)
    store = PostgisStore(url.render_as_string(hide_password=False))
    try:
        with pytest.raises(StoreUnavailable) as caught:
            store.initialize()
        assert "PostGIS" in caught.value.message
    finally:
        store.close()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_unreachable_server_is_store_unavailable():
    store = PostgisStore("postgresql://postgres@127.0.0.1:1/nowhere")
    with pytest.raises(StoreUnavailable):
        store.initialize()
    store.close()


@pytest.mark.parametrize("url", [
    "postgresql://u:p@h:5432/db", "postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db",
])
def test_urls_are_normalised_to_psycopg3(url):
    assert normalize_url(url) == "postgresql+psycopg://u:p@h:5432/db"


# -- reading: the database writes the JSON and reprojects -------------------------------------

def test_page_json_is_one_string_built_by_the_database(store, stations, statements):
    store.insert(stations, [station(i) for i in range(5)])
    statements.clear()
    page = store.query(stations, FeatureQuery(limit=3, count=False))
    assert len(statements.seen) == 1
    assert "string_agg" in statements.seen[0]
    assert "ST_AsGeoJSON" in statements.seen[0]
    got = features(page)
    assert page.number_returned == 3
    assert [f["id"] for f in got] == [1, 2, 3]
    assert got[0]["properties"] == {"name": "站0", "grade": 1, "opened": "2020-01-01",
                                    "checked_at": "2024-05-01T00:00:00Z"}
    assert "crs" not in got[0]["geometry"]


def test_timestamps_keep_fractions_only_when_present(store, stations):
    moment = datetime(2024, 5, 1, 8, 30, 15, 250000, tzinfo=UTC)
    store.insert(stations, [station(1, checked_at=moment), station(2, checked_at=None)])
    got = features(store.query(stations, FeatureQuery()))
    assert [f["properties"]["checked_at"] for f in got] == ["2024-05-01T08:30:15.250000Z", None]


def test_reprojection_to_web_mercator_happens_in_sql(store, stations, statements):
    store.insert(stations, [station(0)])
    statements.clear()
    got = features(store.query(stations, FeatureQuery(crs=OutputCrs(3857))))
    assert any("ST_Transform" in s for s in statements.seen)
    x, y = Transformer.from_crs(4490, 3857, always_xy=True).transform(*CHANGCHUN)
    assert got[0]["geometry"]["coordinates"] == pytest.approx([x, y], abs=0.01)
    # metres are written with 2 decimals
    assert all(round(v, 2) == v for v in got[0]["geometry"]["coordinates"])


def test_wgs84_lat_first_is_flipped_without_transform(store, stations, statements):
    store.insert(stations, [station(0)])
    statements.clear()
    got = features(store.query(stations, FeatureQuery(crs=OutputCrs(4326, lat_first=True))))
    page_sql = statements.seen[0]
    assert "ST_FlipCoordinates" in page_sql
    assert "ST_Transform" not in page_sql
    assert got[0]["geometry"]["coordinates"] == [CHANGCHUN[1], CHANGCHUN[0]]


def test_get_returns_full_precision_geometry_in_the_asked_crs(store, stations):
    precise = Point(125.123456789012, 43.987654321098)
    [fid] = store.insert(stations, [FeatureRecord(precise, {"name": "精确"})])
    assert store.get(stations, fid, OutputCrs(4326)).geometry["coordinates"] == [precise.x, precise.y]
    flipped = store.get(stations, fid, OutputCrs(4490, lat_first=True))
    assert flipped.geometry["coordinates"] == [precise.y, precise.x]


def test_count_is_cached_until_the_data_changes(store, stations, statements):
    store.insert(stations, [station(i) for i in range(6)])
    query = FeatureQuery(limit=2)
    assert store.query(stations, query).number_matched == 6
    statements.clear()
    assert store.query(stations, FeatureQuery(limit=2, offset=2)).number_matched == 6
    assert len(statements.seen) == 1  # the page alone: no separate COUNT
    store.insert(stations, [station(7)])
    assert store.query(stations, query).number_matched == 7


def test_dialect_distance_is_geodesic_metres_and_predicates_bind_geometry(store, stations):
    # 0.01° of longitude at 43.82°N is about 803 m on the ellipsoid.
    store.insert(stations, [FeatureRecord(Point(CHANGCHUN[0] + 0.01, CHANGCHUN[1]), {"name": "东"})])
    table = layer_table(stations)
    dialect = PostgisDialect()
    centre = Point(*CHANGCHUN)

    def names(condition) -> list[str]:
        with store.engine.connect() as conn:
            return conn.execute(sa.select(table.c.name).where(condition)).scalars().all()

    assert names(dialect.dwithin(table.c.geom, centre, 850)) == ["东"]
    assert names(dialect.dwithin(table.c.geom, centre, 750)) == []
    assert names(dialect.spatial("s_within", table.c.geom, centre.buffer(0.02))) == ["东"]
    assert names(dialect.spatial("s_disjoint", table.c.geom, centre.buffer(0.005))) == ["东"]
    assert names(dialect.bbox_intersects(table.c.geom, (125.0, 43.0, 125.32, 44.0))) == []


# -- writing: COPY, one transaction ------------------------------------------------------------

def test_bulk_insert_uses_copy_and_returns_fids_in_order(store, stations, monkeypatch):
    copies: list[str] = []
    original = psycopg.Cursor.copy

    def spy(self, statement, *args, **kwargs):
        copies.append(str(statement))
        return original(self, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "copy", spy)
    reported: list[int] = []
    records = [station(i) for i in range(25_000)]
    fids = store.insert(stations, iter(records), progress=reported.append)
    assert copies and all(c.startswith('COPY "stations"') or c.startswith("COPY stations") for c in copies)
    assert fids == sorted(fids) and len(set(fids)) == 25_000
    assert reported[-1] == 25_000
    assert store.layer_state(stations).feature_count == 25_000
    assert store.get(stations, fids[12_345], OutputCrs(4490)).properties["name"] == "站12345"
    # the unused tail of the reserved fid block was handed back
    [after] = store.insert(stations, [station(99_999)])
    assert after == fids[-1] + 1


def test_insert_with_own_fids_moves_the_sequence_past_them(store, stations):
    given = FeatureRecord(Point(*CHANGCHUN), {"name": "指定"}, fid=500)
    assert store.insert(stations, [station(1), given]) == [1, 500]
    assert store.insert(stations, [station(2)]) == [501]


def test_bulk_insert_rejected_late_writes_nothing(store, stations):
    before = store.layer_state(stations)
    records = [station(i) for i in range(5_000)]
    records.append(station(5_001, name="名" * 21))  # longer than max_length (validation bypassed)
    with pytest.raises(InvalidFeature):
        store.insert(stations, records)
    after = store.layer_state(stations)
    assert after.feature_count == 0
    assert after.data_version == before.data_version


def test_wrong_geometry_type_is_invalid_feature_naming_geometry(store, stations):
    with pytest.raises(InvalidFeature) as caught:
        store.insert(stations, [FeatureRecord(LineString([(125.3, 43.8), (125.4, 43.9)]), {})])
    assert caught.value.field == "geometry"
    assert store.layer_state(stations).feature_count == 0
