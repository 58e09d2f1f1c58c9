"""`onemap load-samples` and `onemap samples generate`: the Jilin sample data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import typer

from domains.framework.domain import Domain
from gis_server.cli.context import console, open_registry
from gis_server.cli.enc_pilot import load_pilot_samples

#: China Standard Time: sample days begin at 08:00 local time.
CST = timezone(timedelta(hours=8))
SAMPLE_HOUR = 8


def sample_epoch(as_of: str | None, now: datetime | None = None) -> datetime:
    """The reference time of the samples (histories and positions lie before it, deadlines around it):
    08:00 China time of the given day, or without one the latest 08:00 China time that has passed (a
    load between midnight and 08:00 takes the day before, so no sample lies in the future). Same day,
    same samples."""
    if as_of:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise typer.BadParameter(f"须为日期 YYYY-MM-DD / must be a date YYYY-MM-DD: {as_of!r}",
                                     param_hint="--as-of") from None
    else:
        local = (now or datetime.now(UTC)).astimezone(CST)
        day = local.date() if local.hour >= SAMPLE_HOUR else local.date() - timedelta(days=1)
    return datetime(day.year, day.month, day.day, SAMPLE_HOUR, 0, tzinfo=CST).astimezone(UTC)


samples_app = typer.Typer(help="吉林示例数据 / the Jilin sample data", no_args_is_help=True)


@samples_app.command("generate")
def generate(
    out_dir: Path = typer.Argument(None, help="输出目录 / output directory (default data/samples/base)"),
) -> None:
    """重新生成示例数据 / Regenerate the deterministic Jilin base-geography samples."""
    from domains.base import sample_dir
    from domains.base.generate import generate as run

    counts = run(out_dir or sample_dir())
    for layer_id, count in counts.items():
        typer.echo(f"{layer_id}: {count}")


def load_samples(replace: bool = typer.Option(False, help="清空后重新装载 / reload layers that already hold data"),
                 as_of: str = typer.Option(None, help="示例数据基准日 YYYY-MM-DD（默认：最近已过的北京时间 8 时）/ "
                                                     "reference day of the samples (default: the last 08:00 "
                                                     "China time that has passed)"),
                 domains: str = typer.Option(None, help="只装载这些领域（逗号分隔，如 base）及其依赖 / only these "
                                                        "domains (comma-separated, e.g. base) and what they "
                                                        "depend on; without it every domain and the pilot chart"),
                 ) -> None:
    """装载示例数据 / Register every domain's layers and load their deterministic sample data, the Songhua
    pilot chart and its gauge readings (idempotent: layers that hold data are skipped)."""
    from domains.framework.discovery import discover_domains
    from domains.framework.domain import SampleContext
    from domains.framework.samples import SampleLoadError
    from domains.framework.samples import load_samples as run
    from domains.workflow.sweep import sweep

    def progress(what: str, done: int, total: int) -> None:
        if done == total:
            typer.echo(f"{what}: {done:,} 条 / rows")

    chosen = discover_domains()
    if domains is not None:
        chosen = with_dependencies(chosen, domains)
    epoch = sample_epoch(as_of)  # a bad --as-of stops here, before the store is opened
    with open_registry() as registry:
        context = SampleContext(registry=registry, now=epoch, progress=progress, replace=replace)
        try:
            run(context, chosen)
        except SampleLoadError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        if domains is None:
            load_pilot_samples(registry)
        report = sweep(registry)
        typer.echo(f"超期巡检 / overdue sweep: {report.overdue_items or 0} 个超期事项 / items overdue now")


def with_dependencies(known: Sequence[Domain], asked: str) -> list[Domain]:
    """The domains named in `asked` and those they depend on, in `known`'s (dependency) order."""
    by_id = {domain.id: domain for domain in known}
    names = [name.strip() for name in asked.split(",") if name.strip()]
    unknown = [name for name in names if name not in by_id]
    if unknown or not names:
        raise typer.BadParameter(f"未知领域 / unknown domains: {', '.join(unknown) or asked!r}; known: "
                                 f"{', '.join(by_id)}", param_hint="--domains")
    wanted: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            pending.extend(by_id[name].depends_on)
    return [domain for domain in known if domain.id in wanted]


def register(app: typer.Typer) -> None:
    app.add_typer(samples_app, name="samples")
    app.command("load-samples")(load_samples)
