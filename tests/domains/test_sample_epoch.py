"""The samples' reference time: 08:00 China time, never in the future (a dashboard opened right after
`onemap load-samples` shows positions and histories that have happened, whatever the hour)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gis_server.cli.sample_commands import sample_epoch


@pytest.mark.parametrize(("now", "epoch"), [
    ("2026-11-22T01:00:00Z", "2026-11-22T00:00:00Z"),  # 09:00 China time: today's 08:00
    ("2026-11-22T00:00:00Z", "2026-11-22T00:00:00Z"),  # exactly 08:00
    ("2026-11-21T22:50:00Z", "2026-11-21T00:00:00Z"),  # 06:50 China time on the 22nd: the 21st's 08:00
    ("2026-11-21T16:00:00Z", "2026-11-21T00:00:00Z"),  # China midnight
])
def test_without_a_day_the_epoch_is_the_last_0800_china_time_that_has_passed(now: str, epoch: str) -> None:
    at = datetime.fromisoformat(now)
    assert sample_epoch(None, at) == datetime.fromisoformat(epoch)
    assert sample_epoch(None, at) <= at


def test_a_given_day_is_that_days_0800_china_time_whenever_it_is_loaded() -> None:
    for now in ("2026-11-21T22:50:00Z", "2026-11-22T03:00:00Z"):
        assert sample_epoch("2026-11-20", datetime.fromisoformat(now)) == datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


def test_a_day_that_is_no_date_is_a_usage_error_not_a_traceback(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from gis_server.cli.main import app
    from gis_server.settings import get_settings

    monkeypatch.setenv("ONEMAP_DATABASE_URL", f"geopackage://{tmp_path / 'onemap.gpkg'}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["load-samples", "--as-of", "2026-13-01"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "--as-of" in result.output and "YYYY-MM-DD" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "onemap.gpkg").exists()  # stopped before the store was opened
