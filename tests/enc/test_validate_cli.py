"""`onemap enc validate PATH [--format text|json]`: findings printed, exit 0 without errors, 1 with."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from gis_server.cli import enc_validate
from tests.enc.ingest_support import N230, enc_path, s58_cell

runner = CliRunner()


def app() -> typer.Typer:
    enc = typer.Typer()
    enc_validate.register_enc(enc)

    @enc.callback()
    def _group() -> None:  # keep `validate` a sub-command, as under `onemap enc`
        pass

    return enc


def test_json_report_of_a_cell_with_errors_exits_1():
    result = runner.invoke(app(), ["validate", str(s58_cell("AA400008")), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["errors"] >= 4 and report["errors"] == sum(f["severity"] == "error" for f in report["findings"])
    nested = next(f for f in report["findings"] if f["check_id"] == "80a")
    assert (nested["cell"], nested["object_class"], nested["rcid"], nested["s58_class"]) == ("AA400008", "ACHARE", 147,
                                                                                             "C")
    assert nested["lon"] and nested["lat"] and nested["message_zh"] and nested["message_en"]


def test_text_report_of_a_good_cell_exits_0_with_its_warnings():
    result = runner.invoke(app(), ["validate", str(enc_path(N230))])
    assert result.exit_code == 0, result.output
    assert "警告 warning  [OM-VALUE-UNKNOWN]  5I7IN230  bridge 24418-1002807302-231 (RCID 2037)" in result.stdout
    assert "0 个错误 error(s)，12 个警告 warning(s)" in result.stdout


def test_malformed_cell_is_one_clear_error_not_a_traceback():
    result = runner.invoke(app(), ["validate", str(s58_cell("AA500004"))])
    assert result.exit_code == 1
    assert "[OM-READ]  AA500004" in result.stdout and "record 28" in result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_missing_path_is_an_error_message(tmp_path):
    result = runner.invoke(app(), ["validate", str(tmp_path / "nowhere.000")])
    assert result.exit_code == 1
    assert "no such file or folder" in result.output and "Traceback" not in result.output


def test_unknown_format_is_refused():
    result = runner.invoke(app(), ["validate", str(s58_cell("AA400008")), "--format", "xml"])
    assert result.exit_code == 2  # Typer's usage error
