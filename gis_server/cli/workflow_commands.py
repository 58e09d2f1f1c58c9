"""`onemap workflow`: the overdue sweep on demand (the server also runs it every ONEMAP_SWEEP_SECONDS)."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from gis_server.cli.context import console, open_registry

workflow_app = typer.Typer(help="办理流程与再监管 / workflows and supervision of the supervisors",
                           no_args_is_help=True)


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        console.print(f"[red]时间格式无效 / invalid time:[/red] {text!r} (RFC 3339, e.g. 2024-05-06T09:00:00+08:00)")
        raise typer.Exit(2) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@workflow_app.command("sweep")
def sweep_command(
    now: str = typer.Option(None, "--now", help="按此时刻判定超期（RFC 3339，默认当前时间）/ judge deadlines at this "
                                                "time (default: now)"),
) -> None:
    """超期巡检 / Set the overdue flag of every workflow item from its deadline and rebuild the map of
    overdue items (supervision_overdue)."""
    from domains.workflow import sweep

    with open_registry() as registry:
        report = sweep(registry, _moment(now))
    if report.overdue_items is None:
        typer.echo("没有办理流程图层 / no workflow layers")
        return
    for result in report.layers:
        typer.echo(f"{result.layer_id}: 新增超期 {result.became_overdue} / became overdue, "
                   f"解除超期 {result.cleared} / cleared")
    typer.echo(f"当前超期事项 / overdue now: {report.overdue_items}")


def register(app: typer.Typer) -> None:
    app.add_typer(workflow_app, name="workflow")
