"""Masking of personal data: the rule, and PostgreSQL's expression agreeing with Python's on every input."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from layers.access.masking import mask_sql_text, mask_value
from layers.access.rules import SensitiveKind


@pytest.mark.parametrize(("kind", "value", "masked"), [
    (SensitiveKind.ID_NUMBER, "220102199001011234", "220102********1234"),
    (SensitiveKind.PHONE, "13812345678", "138****5678"),
    (SensitiveKind.PERSON_NAME, "张三丰", "张**"),
    (SensitiveKind.PLATE, "吉A12345", "吉A***45"),
    (SensitiveKind.PLATE, "吉A·12345", "吉A****45"),
    (SensitiveKind.ID_NUMBER, "12345", "1****"),  # too short to keep both ends: only the first character
    (SensitiveKind.PERSON_NAME, "张", "*"),
    (SensitiveKind.PHONE, "", ""),
    (SensitiveKind.PHONE, None, None),
])
def test_values_are_masked_as_the_examples_say(kind: SensitiveKind, value: str | None, masked: str | None) -> None:
    assert mask_value(value, kind) == masked


def test_masking_a_masked_value_changes_nothing() -> None:
    """Tiles read through a store that already masked are masked again: that must be harmless."""
    for kind in SensitiveKind:
        for value in ("220102199001011234", "13812345678", "张三丰", "吉A12345", "ab", "x"):
            once = mask_value(value, kind)
            assert mask_value(once, kind) == once


def _samples() -> list[str]:
    chooser = random.Random(8)
    alphabet = "0123456789ABCX吉张王李·*"
    values = ["", "a", "ab", "abc", "吉A12345", "220102199001011234"]
    values += ["".join(chooser.choice(alphabet) for _ in range(chooser.randint(1, 24))) for _ in range(200)]
    return values


def test_postgresql_masks_exactly_as_python_does(postgis_url: str) -> None:
    engine = sa.create_engine(postgis_url)
    values = _samples()
    try:
        with engine.connect() as conn:
            for kind in SensitiveKind:
                sql = mask_sql_text("v", kind)
                rows = conn.execute(sa.text(f"SELECT v, {sql} FROM unnest(CAST(:values AS text[])) AS t(v)"),
                                    {"values": values}).all()
                assert [masked for _, masked in rows] == [mask_value(v, kind) for v, _ in rows], kind
    finally:
        engine.dispose()
