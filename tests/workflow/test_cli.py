"""`onemap workflow sweep` sweeps the configured store at a given time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from typer.testing import CliRunner, Result

from domains.workflow import create_item
from domains.workflow.engine import STORAGE
from gis_server.cli.main import app
from gis_server.settings import get_settings
from tests.workflow.support import HAZARDS, REPORTER, T0, hazard


@pytest.fixture
def onemap(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    monkeypatch.setenv("ONEMAP_DATABASE_URL", store_url)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, [str(a) for a in args])
    get_settings.cache_clear()


def test_sweep_command(onemap: Callable[..., Result], store) -> None:
    fid = create_item(store, HAZARDS, hazard(), REPORTER, now=T0)
    result = onemap("workflow", "sweep", "--now", (T0 + timedelta(hours=30)).isoformat())
    assert result.exit_code == 0, result.output
    assert f"{HAZARDS.id}: 新增超期 1" in result.output
    assert "当前超期事项 / overdue now: 1" in result.output
    assert store.get(HAZARDS, fid, STORAGE).properties["overdue"] is True
    assert onemap("workflow", "sweep", "--now", "tomorrow").exit_code == 2
