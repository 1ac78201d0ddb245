"""`flask mssp alerts run [--dry-run] [--date YYYY-MM-DD] [--no-email]`: the daily alert job, by hand."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli.commands import requires_migrated_database


@click.group("alerts")
def alerts_group() -> None:
    """Alerts: renewals, expiries, SLA breaches, failing syncs."""


@alerts_group.command("run")
@click.option("--dry-run", is_flag=True, help="List what would fire, and to whom; store and send nothing.")
@click.option(
    "--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
    help="Evaluate as of this day (UTC); default today.",
)
@click.option("--no-email", is_flag=True, help="Fire the alerts but send no e-mail digest.")
@with_appcontext
@requires_migrated_database
def run_alerts_command(dry_run: bool, day, no_email: bool) -> None:  # type: ignore[no-untyped-def]
    """Evaluate the alerts now (what the scheduler's daily `alerts` job does)."""
    from app.services.alerts.evaluation import run_alerts
    from app.services.alerts.kinds import KINDS

    report = run_alerts(day.date() if day else None, dry_run=dry_run, send_email=not no_email)
    for fired in report.fired:
        to = ", ".join(fired.recipients) or "nobody (muted by everyone concerned)"
        click.echo(f"[{KINDS[fired.kind].label}] {fired.title} -> {to}")
    click.echo(str(report))
