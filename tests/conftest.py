"""Shared fixtures: a real PostGIS database per test session, GeoPackage files, store factories.

PostGIS: `ONEMAP_TEST_POSTGRES_URL` (set by scripts/test.sh) names a server database where the
`postgis` extension can be created; each session makes its own database from it. Under
`CI=true` an unreachable server is a failure, never a skip.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

IN_CI = os.environ.get("CI", "").lower() == "true"
# Servers and tile caches started by tests keep their files out of the work tree.
os.environ.setdefault("ONEMAP_TILE_CACHE_DIR", tempfile.mkdtemp(prefix="onemap-test-tiles-"))
# No background overdue sweeps in tests' servers unless a test turns them on (they would move data versions).
os.environ.setdefault("ONEMAP_SWEEP_SECONDS", "0")
# No per-caller rate limit either (a browser session or a schemathesis run is one caller making thousands
# of requests); tests/security turns it on where it is tested.
os.environ.setdefault("ONEMAP_RATE_LIMIT", "0")
# Anonymous callers read every `public`-role layer on both stores, so tests of features and tiles are the
# same on each; tests/access checks the PostGIS default (only layers declared public) by setting it.
os.environ.setdefault("ONEMAP_ANONYMOUS_READ", "all")
# Fields marked secret are SM4-encrypted; a PostGIS store refuses them without configured keys (an embedded
# store would make a local key). Tests of missing or other keys (tests/protect) change this.
os.environ.setdefault("ONEMAP_SM4_KEYS", '{"active": "test1", "keys": {"test1": "5a1d0c3e9b7f4a2e8c6d1b0f3e5a7c9d"}}')
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _admin_url() -> str:
    return os.environ.get("ONEMAP_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL)


def _with_database(url: str, name: str) -> str:
    return str(sa.make_url(url).set(database=name).render_as_string(hide_password=False))


def missing(reason: str) -> None:
    """Skip outside CI; fail under CI=true, where every real component must be present."""
    if IN_CI:
        pytest.fail(f"required component missing under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgis_server_url() -> Iterator[str]:
    """URL of a fresh database with PostGIS, dropped at the end of the session."""
    admin = _admin_url()
    name = f"onemap_test_{uuid.uuid4().hex[:10]}"
    try:
        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach the server means "missing"
        missing(f"PostgreSQL not reachable at {admin}: {exc}")
    url = _with_database(admin, name)
    try:
        db = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with db.connect() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        db.dispose()
    except Exception as exc:
        missing(f"PostGIS extension unavailable: {exc}")
    yield url
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def _postgis_platform(postgis_server_url: str) -> object:
    """What a fresh migration leaves in the session database (tests/postgis_reset.py)."""
    from tests.postgis_reset import migrate

    return migrate(postgis_server_url)


@pytest.fixture
def postgis_url(postgis_server_url: str, _postgis_platform: object) -> str:
    """A PostGIS store URL whose platform tables are freshly migrated and empty and that holds no other
    table (no layer, no positions) when this test starts."""
    from tests.postgis_reset import reset

    reset(postgis_server_url, _postgis_platform)  # type: ignore[arg-type]
    return postgis_server_url


@pytest.fixture
def gpkg_url(tmp_path: Path) -> str:
    return f"geopackage://{tmp_path / 'onemap.gpkg'}"


@pytest.fixture(params=["geopackage", "postgis"])
def store_url(request: pytest.FixtureRequest) -> str:
    """Run a test once per store kind: the contract every store keeps."""
    if request.param == "postgis":
        return request.getfixturevalue("postgis_url")
    return request.getfixturevalue("gpkg_url")


@pytest.fixture
def store_factory(store_url: str) -> Iterator[Callable[[], object]]:
    from layers.stores import open_store

    opened = []

    def make() -> object:
        store = open_store(store_url)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        missing(f"shared test data not found at {SHARED_DATA}")
    return SHARED_DATA
