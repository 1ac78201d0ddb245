"""`flask mssp refresh-rollups`: bring the dashboard rollups up to date (what the scheduler runs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from flask.cli import with_appcontext

from app.cli.commands import requires_migrated_database


def parse_since(value: str | None) -> datetime | None:
    """`2026-01-31`, `2026-01-31T12:00`, or a look-back such as `36h` or `14d` (UTC)."""
    if not value:
        return None
    value = value.strip()
    units = {"h": "hours", "d": "days"}
    if value[-1:] in units and value[:-1].isdigit():
        return datetime.now(UTC) - timedelta(**{units[value[-1]]: int(value[:-1])})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD, an ISO date-time, or a look-back like 36h or 14d") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.command("refresh-rollups")
@click.option(
    "--since",
    "since",
    default=None,
    help="Recompute every bucket from then on (YYYY-MM-DD, ISO time, or 36h / 14d ago).",
)
@click.option("--full", is_flag=True, help="Rebuild every rollup from the source tables.")
@with_appcontext
@requires_migrated_database
def refresh_rollups_command(since: str | None, full: bool) -> None:
    """Refresh the dashboard rollups (incrementally unless --since or --full)."""
    from app.dashboards.rollups import refresh_rollups

    report = refresh_rollups(since=parse_since(since), full=full)
    for line in report.lines():
        click.echo(line)
    click.echo(f"done in {report.seconds:.2f} s")
