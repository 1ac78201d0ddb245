"""The sync's commands: `flask mssp scheduler`, `worker`, `rotate-keys`, `run-query`."""

from __future__ import annotations

import logging
import signal
import sys
import uuid

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.errors import DomainError
from app.extensions import db
from app.models.integrations import DataSourceQuery, ExternalDataSource


def _find_query(name_or_id: str) -> DataSourceQuery:
    try:
        query_id: uuid.UUID | None = uuid.UUID(name_or_id)
    except ValueError:
        query_id = None
    if query_id is not None:
        query = db.session.get(DataSourceQuery, query_id)
    else:
        matches = db.session.scalars(select(DataSourceQuery).where(DataSourceQuery.name == name_or_id)).all()
        if len(matches) > 1:
            sources = ", ".join(str(q.data_source) for q in matches)
            raise click.ClickException(
                f"{len(matches)} queries are named {name_or_id!r} ({sources}): use the id"
            )
        query = matches[0] if matches else None
    if query is None:
        raise click.ClickException(f"no query {name_or_id!r}")
    return query


def register_sync_commands(group: click.Group, requires_migrated_database) -> None:  # type: ignore[no-untyped-def]
    """Add the sync commands to the `flask mssp` group."""

    @group.command("scheduler")
    @with_appcontext
    @requires_migrated_database
    def scheduler_command() -> None:
        """Run the job scheduler (its own process; a second one waits for the first)."""
        from app.jobs.scheduler import SchedulerProcess

        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("app").setLevel(logging.INFO)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        db.session.remove()
        process = SchedulerProcess(app)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: process.stop())
        sys.exit(process.run())

    @group.command("worker")
    @click.option("--concurrency", type=int, default=None, help="jobs at once (MSSP_WORKER_CONCURRENCY)")
    @click.option("--name", default=None, help="the worker's name in logs (default: worker-<pid>)")
    @with_appcontext
    @requires_migrated_database
    def worker_command(concurrency: int | None, name: str | None) -> None:
        """Run queued jobs (sync runs, reports, alerts, rollups); any number, on any host."""
        import os

        from app.queue.worker import run_worker

        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("app").setLevel(logging.INFO)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        db.session.remove()
        run_worker(
            app,
            concurrency or int(app.config["MSSP_WORKER_CONCURRENCY"]),
            name or f"worker-{os.getpid()}",
        )

    @group.command("rotate-keys")
    @with_appcontext
    @requires_migrated_database
    def rotate_keys_command() -> None:
        """Re-encrypt every stored secret with the first key of MSSP_ENCRYPTION_KEYS."""
        from app.services.sync.data_sources import rotate_credentials

        count = rotate_credentials()
        click.echo(f"re-encrypted the credentials of {count} data source(s) with the newest key")

    @group.command("run-query")
    @click.argument("query")
    @click.option(
        "--since",
        metavar="DATE",
        help="Re-read from this date (YYYY-MM-DD, UTC) or ISO date-time to now (idempotent).",
    )
    @with_appcontext
    @requires_migrated_database
    def run_query_command(query: str, since: str | None) -> None:
        """Run one data-source query now (by name or id) and print its run."""
        from app.models.sync import RunTrigger, SyncRunStatus
        from app.services.sync.runs import parse_since, reread_query, run_query

        found = _find_query(query)
        if since is not None:
            try:
                start = parse_since(since)
            except DomainError as error:
                raise click.ClickException(error.message) from None
            run = reread_query(found.id, start, RunTrigger.CLI)
        else:
            run = run_query(found.id, RunTrigger.CLI)
        window = f" (re-read from {run.window_start:%Y-%m-%d %H:%M} UTC)" if run.is_reread else ""
        click.echo(
            f"{found}{window}: {run.status.value} in {run.duration_seconds} s, {run.pages} page(s), "
            f"{run.records_fetched} record(s): {run.rows_inserted} inserted, {run.rows_updated} updated, "
            f"{run.rows_skipped} skipped"
        )
        if run.error_message:
            click.echo(run.error_message, err=run.status is SyncRunStatus.FAILED)
        if run.status is SyncRunStatus.FAILED:
            sys.exit(1)

    @group.command("test-source")
    @click.argument("name")
    @with_appcontext
    @requires_migrated_database
    def test_source_command(name: str) -> None:
        """Test a data source's connection (by name)."""
        from app.services.sync.runs import test_connection

        source = db.session.scalar(select(ExternalDataSource).where(ExternalDataSource.name == name))
        if source is None:
            raise click.ClickException(f"no data source {name!r}")
        try:
            report = test_connection(source.id)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        if not report.ok:
            raise click.ClickException(f"{report.kind}: {report.message}")
        click.echo(report.message)
