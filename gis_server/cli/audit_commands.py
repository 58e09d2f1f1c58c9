"""`onemap audit`: verify the SM3 chain of the audit trail and list its newest records."""

from __future__ import annotations

import json

import typer

from gis_server.cli.context import open_registry
from layers.protect import AuditTrail
from layers.protect.audit_chain import canonical_json, format_at

audit_app = typer.Typer(help="审计日志（SM3 哈希链）/ the audit trail (SM3 hash chain)", no_args_is_help=True)


@audit_app.command("verify")
def verify_command() -> None:
    """校验审计日志 / Verify the audit trail: exit 1 and name each altered, removed or reordered record."""
    with open_registry() as registry:
        trail = AuditTrail(registry.store)
        problems = trail.verify()
        count = trail.count()
        head = trail.latest(1)
    if problems:
        typer.echo(f"审计日志已被篡改 / the audit trail was tampered with: {len(problems)} 处问题 / problem(s)")
        for problem in problems:
            typer.echo(f"  #{problem.seq} {problem.kind}: {problem.message}")
        raise typer.Exit(1)
    typer.echo(f"完好 / intact: {count} records")
    if head:
        # Keep this line somewhere else (a ticket, a log server): removing the newest records leaves no
        # trace in the chain itself, only a head that no longer matches.
        typer.echo(f"最新记录 / head: #{head[0].seq} {head[0].hash}")


@audit_app.command("list")
def list_command(
    limit: int = typer.Option(20, "--limit", min=1, help="显示最新的几条 / how many of the newest records"),
    as_json: bool = typer.Option(False, "--json", help="每行一条 JSON 记录 / one JSON record per line"),
) -> None:
    """列出最新的审计记录 / List the newest audit records, oldest first."""
    with open_registry() as registry:
        records = AuditTrail(registry.store).latest(limit)
    if not records:
        typer.echo("审计日志为空 / the audit trail is empty")
        return
    for record in records:
        if as_json:
            typer.echo(json.dumps(record.as_json(), ensure_ascii=False))
        else:
            typer.echo(f"#{record.seq}\t{format_at(record.at)}\t{record.actor}\t{record.action}\t{record.target}\t"
                       f"{canonical_json(record.detail)}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
