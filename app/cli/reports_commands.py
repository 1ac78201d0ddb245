"""`flask mssp reports generate --period 2026-10` and `flask mssp reports send`: client reports by hand."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli.commands import requires_migrated_database


@click.group("reports")
def reports_group() -> None:
    """Client service reports: generate a period's reports, send the approved ones."""


@reports_group.command("generate")
@click.option("--period", required=True, help="2026-10 (a month), 2026-Q4 or 2026-10-01..2026-10-15.")
@click.option("--all-active", is_flag=True, help="Every active client, not only those with a schedule.")
@click.option(
    "--client", "client_names", multiple=True, help="Only this client (its company name); repeatable."
)
@with_appcontext
@requires_migrated_database
def generate_command(period: str, all_active: bool, client_names: tuple[str, ...]) -> None:
    """Generate and store the reports of PERIOD (skipping clients that have it), with progress."""
    from sqlalchemy import select

    from app.dashboards.filters import FilterError
    from app.extensions import db
    from app.models.clients import Client
    from app.services.reports.period import ReportPeriod
    from app.services.reports.schedules import items_for_period, run_batch

    try:
        parsed = ReportPeriod.parse(period)
    except FilterError as error:
        raise click.BadParameter(error.message, param_hint="--period") from None
    ids = None
    if client_names:
        ids = list(db.session.scalars(select(Client.id).where(Client.company_name.in_(client_names))))
        if len(ids) != len(set(client_names)):
            raise click.BadParameter("no client of that name", param_hint="--client")
    items = items_for_period(db.session, parsed, every_active=all_active, client_ids=ids)
    click.echo(f"{len(items)} report(s) of {parsed.label} to generate")
    with click.progressbar(length=len(items), label="reports", show_pos=True, show_eta=True) as bar:
        batch = run_batch(
            db.session, items, parsed.key, "cli", progress=lambda done, total, failed: bar.update(1)
        )
    click.echo(f"{batch.detail}")


@reports_group.command("send")
@with_appcontext
@requires_migrated_database
def send_command() -> None:
    """Send the approved reports' due e-mails now (what the scheduler's `client_reports` job does)."""
    from app.extensions import db
    from app.services.alerts.email import smtp_settings
    from app.services.reports.delivery import send_due_reports

    settings = smtp_settings()
    if settings is None:
        raise click.ClickException("E-mail is off: set MSSP_SMTP_HOST.")
    outcome = send_due_reports(settings, db.session)
    click.echo(f"{outcome.sent} sent, {outcome.failed} failed, {outcome.postponed} postponed")
