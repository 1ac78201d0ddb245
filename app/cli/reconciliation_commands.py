"""`flask mssp reconcile [--month YYYY-MM] [--usage-days N]`: the reconciliation refresh, by hand."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli.commands import requires_migrated_database


@click.command("reconcile")
@click.option(
    "--month", "month", type=click.DateTime(formats=["%Y-%m"]), default=None,
    help="Refresh this month (its whole usage rollup first); default: what the hourly job refreshes.",
)
@click.option("--usage-days", default=2, show_default=True, help="Days of usage rolled up (without --month).")
@with_appcontext
@requires_migrated_database
def reconcile_command(month, usage_days: int) -> None:  # type: ignore[no-untyped-def]
    """Roll up the usage metrics and recompute the reconciliation findings."""
    from app.services.clock import today_utc
    from app.services.reconciliation.jobs import reconcile
    from app.services.reconciliation.refresh import refresh_month
    from app.services.reconciliation.sources import month_bounds
    from app.services.reconciliation.usage import refresh_usage_days

    if month is None:
        click.echo(reconcile(today_utc(), usage_days=usage_days))
        return
    first, last = month_bounds(month.date())
    click.echo(str(refresh_usage_days(first, last)))
    click.echo(str(refresh_month(first)))
