"""`numberMatched` under a time budget (PostGIS): a count PostgreSQL cannot finish in time is
cancelled, the page goes out without it, and nothing else about the page or the pooled
connection changes.

A count is made slow on purpose by wrapping the real count statement in `pg_sleep`, so the
tests do not depend on how fast this machine scans a table.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from shapely.geometry import Point

from layers.errors import StoreUnavailable
from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition
from layers.query import FeatureQuery
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from layers.stores.postgis import PostgisStore
from layers.stores.postgis import reads as reads_module

pytestmark = pytest.mark.postgis

POSTS = LayerDefinition(
    id="budget_posts",
    title_zh="里程桩",
    title_en="Kilometre posts",
    domain="highway",
    catalogue_code="JL-JT-TEST-0301",
    geometry_type=GeometryType.POINT,
    fields=(FieldSpec(name="km", type=FieldType.INTEGER, title_zh="桩号"),
            FieldSpec(name="road", type=FieldType.STRING, title_zh="路线编号")),
)

ROWS = 30


def _records(n: int, start: int = 0) -> list[FeatureRecord]:
    return [FeatureRecord(geometry=Point(125.0 + i * 0.001, 43.8), properties={"km": start + i, "road": "G1"})
            for i in range(n)]


@pytest.fixture
def store(postgis_url: str) -> Iterator[PostgisStore]:
    # One pooled connection: whatever the count leaves on its session, the next read sees.
    opened = PostgisStore(postgis_url, pool_size=1, max_overflow=0, count_budget_ms=50)
    opened.initialize()
    opened.register_layer(POSTS)
    opened.insert(POSTS, _records(ROWS))
    yield opened
    opened.close()


@pytest.fixture
def slow_counts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every count statement first sleeps 2 s inside PostgreSQL; returns a list that grows per count."""
    made: list[int] = []
    real = reads_module.count_statement

    def sleeping(layer: LayerDefinition, table: sa.Table, where: list[sa.ColumnElement[bool]]) -> sa.Select:
        made.append(1)
        statement = real(layer, table, where)
        nap = sa.select(sa.func.pg_sleep(2)).scalar_subquery()
        return statement.add_columns(nap.label("nap"))

    monkeypatch.setattr(reads_module, "count_statement", sleeping)
    return made


#: A filter every post matches (a bbox would be counted by the page statement itself).
ON_G1 = (("road", "G1"),)


def test_a_count_over_budget_leaves_numbermatched_out_and_keeps_the_page(store: PostgisStore,
                                                                           slow_counts: list[int]) -> None:
    page = store.query(POSTS, FeatureQuery(limit=10, equals=ON_G1))
    assert slow_counts == [1]
    assert page.number_matched is None
    assert page.number_returned == 10


def test_the_budget_does_not_outlive_the_count(store: PostgisStore, slow_counts: list[int]) -> None:
    store.query(POSTS, FeatureQuery(limit=10, equals=ON_G1))
    with store.read_engine.connect() as conn:  # the same (only) pooled connection
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "0"
        # A statement longer than the budget still runs to its end.
        assert conn.exec_driver_sql("SELECT 1 FROM pg_sleep(0.2)").scalar() == 1


def test_an_over_budget_filter_is_not_counted_again_until_the_layer_changes(store: PostgisStore,
                                                                           slow_counts: list[int]) -> None:
    query = FeatureQuery(limit=10, equals=ON_G1)
    store.query(POSTS, query)
    second = store.query(POSTS, FeatureQuery(limit=10, offset=10, equals=ON_G1))  # the next page of the same filter
    assert second.number_matched is None
    assert slow_counts == [1]
    store.insert(POSTS, _records(1, start=ROWS))
    store.query(POSTS, query)
    assert slow_counts == [1, 1]


def test_a_short_page_needs_no_count(store: PostgisStore, slow_counts: list[int]) -> None:
    page = store.query(POSTS, FeatureQuery(limit=100))
    assert page.number_matched == ROWS
    assert slow_counts == []


def test_counts_within_budget_are_exact(store: PostgisStore) -> None:
    page = store.query(POSTS, FeatureQuery(limit=10, equals=ON_G1))
    assert page.number_matched == ROWS


def test_budget_zero_always_counts(postgis_url: str, slow_counts: list[int]) -> None:
    store = PostgisStore(postgis_url, count_budget_ms=0)
    try:
        store.initialize()
        store.register_layer(POSTS)
        store.insert(POSTS, _records(12))
        slow_counts.clear()
        page = store.query(POSTS, FeatureQuery(limit=10, equals=ON_G1))
        assert page.number_matched == 12
        assert slow_counts == [1]
    finally:
        store.close()


def test_the_setting_is_read_and_checked(postgis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEMAP_COUNT_BUDGET_MS", "7")
    opened = open_store(postgis_url)
    try:
        assert isinstance(opened, PostgisStore)
        assert opened.reader.count_budget_ms == 7
    finally:
        opened.close()
    monkeypatch.setenv("ONEMAP_COUNT_BUDGET_MS", "fast")
    with pytest.raises(StoreUnavailable, match="ONEMAP_COUNT_BUDGET_MS"):
        open_store(postgis_url)


def test_the_layer_size_is_always_counted(store: PostgisStore, slow_counts: list[int]) -> None:
    """No filter: the count is the layer's size, cached per data version — worth waiting for."""
    page = store.query(POSTS, FeatureQuery(limit=10))
    assert page.number_matched == ROWS and slow_counts == [1]




def test_a_bbox_page_is_counted_by_its_own_statement(store: PostgisStore, slow_counts: list[int]) -> None:
    """The rows in a box are all read to sort the page; a window counts them on the way."""
    page = store.query(POSTS, FeatureQuery(limit=10, bbox=(124.9, 43.7, 125.0105, 43.9)))
    assert page.number_matched == 11 and page.number_returned == 10  # posts 0..10 lie in the box
    assert slow_counts == []
    beyond = store.query(POSTS, FeatureQuery(limit=10, offset=20, bbox=(124.9, 43.7, 125.0105, 43.9)))
    # An empty page has no rows to count on the way: the count runs apart (here: over budget).
    assert beyond.number_returned == 0 and slow_counts == [1]
