"""`onemap positions …`: vehicle positions — sample loading, importing a file of reports, what is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import typer

from gis_server.cli.context import console, open_registry
from gis_server.cli.sample_commands import sample_epoch

positions_app = typer.Typer(help="车辆动态位置 / vehicle positions", no_args_is_help=True)


@positions_app.command("load-samples")
def load_samples(
    hours: int = typer.Option(24, min=1, max=24, help="装载最后几小时的位置（报警和线索总按全天判定）/ load the "
                                                      "last N hours of positions (alerts and clues cover the day)"),
    as_of: str = typer.Option(None, help="示例数据基准日 YYYY-MM-DD（默认：最近已过的北京时间 8 时）/ "
                                          "reference day (default: the last 08:00 China time that has passed)"),
    replace: bool = typer.Option(False, help="先删除当天已装载的位置、报警和线索 / reload the day"),
) -> None:
    """装载道路运输示例数据 / Load the road-transport samples: zones, stations, 1,000 dangerous-goods vehicles,
    24 h of positions every 30 s (2.88 M), their alerts and clues. Resumable: vehicles already stored are skipped."""
    from domains.framework.discovery import domain
    from domains.framework.domain import SampleContext
    from domains.framework.samples import load_samples as run_base
    from domains.framework.samples import register_domain_layers
    from domains.road_transport.samples.loader import load

    started = datetime.now(UTC)

    def progress(what: str, done: int, total: int) -> None:
        elapsed = (datetime.now(UTC) - started).total_seconds()
        typer.echo(f"[{elapsed:6.1f} s] {what}: {done:,}/{total:,}")

    epoch = sample_epoch(as_of)  # a bad --as-of stops here, before the store is opened
    with open_registry() as registry:
        context = SampleContext(registry=registry, now=epoch, progress=progress, replace=replace)
        base = domain("base")
        run_base(SampleContext(registry=registry, now=context.now, progress=progress), [base])
        register_domain_layers(registry, [domain("road_transport")])
        written = load(context, hours=hours)
    for layer_id, count in written.items():
        typer.echo(f"{layer_id}: {count:,}")


@positions_app.command("import")
def import_reports(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON 数组或 CSV 文件 / JSON array or CSV"),
    rules: bool = typer.Option(True, help="运行位置规则（报警、线索）/ run the position rules"),
) -> None:
    """导入位置报告文件 / Import a file of position reports (same checks and rules as POST /positions)."""
    from domains.framework.discovery import discover_domains
    from domains.framework.rules import RuleBook, RuleContext, RuleEvent, RuleResult
    from domains.road_transport.positions.ingest import ingest
    from domains.road_transport.positions.parse import BatchFormatError, parse_csv, parse_json_rows

    now = datetime.now(UTC)
    raw = path.read_bytes()
    try:
        if path.suffix.lower() == ".csv":
            parsed = parse_csv(raw.decode("utf-8-sig"), now)
        else:
            parsed = parse_json_rows(orjson.loads(raw), now)
    except (BatchFormatError, orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        console.print(f"[red]错误 / error:[/red] {exc}")
        raise typer.Exit(1) from None
    with open_registry() as registry:
        dispatch = None
        if rules:
            book = RuleBook([rule for item in discover_domains() for rule in item.rules])
            context = RuleContext(registry=registry, now=lambda: datetime.now(UTC), actor="cli")

            def dispatch(event: RuleEvent) -> RuleResult:
                return book.dispatch(event, context)

        report = ingest(registry, parsed, dispatch)
    typer.echo(f"收到 {report.received:,}，入库 {report.stored:,}，重复 {report.duplicates:,}，"
               f"拒绝 {report.rejected:,} / received {report.received:,}, stored {report.stored:,}, "
               f"duplicates {report.duplicates:,}, rejected {report.rejected:,}")
    for reject in report.rejects[:50]:
        typer.echo(f"  #{reject.index} {reject.field}: {reject.reason}")
    for layer_id, count in report.written.items():
        typer.echo(f"{layer_id}: {count:,}")


@positions_app.command("info")
def info() -> None:
    """已存位置概况 / Positions stored per China-time day (and the PostGIS partitions)."""
    from domains.road_transport.positions.postgis import PostgisPositions
    from domains.road_transport.positions.store import position_store

    with open_registry() as registry:
        positions = position_store(registry.store)
        if isinstance(positions, PostgisPositions):
            for name in positions.partitions():
                typer.echo(name)
        counts = positions.counts(0, 2**62)
    typer.echo(f"车辆 {len(counts):,} 辆，位置 {sum(counts.values()):,} 条 / {len(counts):,} vehicles, "
               f"{sum(counts.values()):,} positions")


def register(app: typer.Typer) -> None:
    app.add_typer(positions_app, name="positions")
