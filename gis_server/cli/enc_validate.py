"""`onemap enc validate PATH [--format text|json]`: S-58 checks on chart cells.

PATH is a cell (.000, its update files beside it are checked too), an exchange set (CATALOG.031)
or a folder holding cells. Prints every finding (check id, severity, cell, feature, lon/lat,
message) and exits 0 when there is no error (warnings allowed), 1 otherwise. A cell GDAL cannot
read is one error naming the cell, not a traceback. Attach with `register_enc(enc_app)` (the
`onemap enc` sub-app of `enc_commands`).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from enc_chart.errors import ChartInputError
from enc_chart.validate import Finding, validate_path


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


_SEVERITY = {"error": "错误 error", "warning": "警告 warning"}


def _text_line(item: Finding) -> str:
    where = f"{item.lon:.6f},{item.lat:.6f}" if item.lon is not None and item.lat is not None else "-"
    feature = item.object_class or "-"
    if item.foid or item.rcid is not None:
        feature += f" {item.foid or ''}" + (f" (RCID {item.rcid})" if item.rcid is not None else "")
    head = f"{_SEVERITY[item.severity]}  [{item.check_id}]  {item.cell or '-'}  {feature}  @ {where}"
    return f"{head}\n    {item.message}"


def _summary(found: list[Finding]) -> tuple[int, int]:
    errors = sum(1 for f in found if f.severity == "error")
    return errors, len(found) - errors


def validate_command(
    path: Path = typer.Argument(..., help="图幅 (.000)、交换集 CATALOG.031 或图幅目录 / a cell (.000), an exchange "
                                          "set (CATALOG.031) or a folder of cells"),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="输出格式 / output format: "
                                                                                   "text or json"),
) -> None:
    """S-58 检查电子航道图图幅 / Validate chart cells against the S-58 checks of a river chart.

    退出码 0：无错误（可有警告）；1：有错误 / exit code 0 when no error (warnings allowed), 1 otherwise.
    """
    try:
        found = validate_path(path)
    except ChartInputError as exc:  # no such path, no cell there, a catalogue listing a missing file
        typer.echo(f"错误 / error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    errors, warnings = _summary(found)
    if output_format is OutputFormat.json:
        typer.echo(json.dumps({"path": str(path), "errors": errors, "warnings": warnings,
                               "findings": [f.to_dict() for f in found]}, ensure_ascii=False, indent=1))
    else:
        for item in found:
            typer.echo(_text_line(item))
        cells = len({f.cell for f in found})
        typer.echo(f"{cells} 个有发现的图幅 cell(s) with findings：{errors} 个错误 error(s)，{warnings} 个警告 "
                   "warning(s)")
    raise typer.Exit(1 if errors else 0)


def register_enc(enc_app: typer.Typer) -> None:
    enc_app.command("validate")(validate_command)
