"""`flask mssp audit-archive`: retention of the audit trail (app.services.audit.archive)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db


def register_audit_commands(group: click.Group, requires_migrated_database) -> None:  # type: ignore[no-untyped-def]
    """Add the audit commands to the `flask mssp` group."""

    @group.command("audit-archive")
    @click.option(
        "--older-than",
        "older_than",
        type=int,
        required=True,
        metavar="DAYS",
        help="Archive the audit rows older than this many days (at least 1).",
    )
    @click.option(
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="The .jsonl.gz file (default: <instance>/audit-archive/audit-<time>.jsonl.gz).",
    )
    @click.option(
        "--batch-size",
        type=click.IntRange(1, 100_000),
        default=5_000,
        show_default=True,
        help="Rows per transaction.",
    )
    @with_appcontext
    @requires_migrated_database
    def audit_archive_command(older_than: int, output: Path | None, batch_size: int) -> None:
        """Move old audit rows to a compressed JSON-lines file and remove them (one transaction per batch)."""
        from app.services.audit.archive import archive_audit_events, default_path

        path = output or default_path(Path(current_app.instance_path) / "audit-archive")
        report = archive_audit_events(db.session, older_than, path, batch_size=batch_size)
        if report.archived == 0:
            click.echo(f"no audit rows older than {report.cutoff:%Y-%m-%d %H:%M} UTC")
            return
        click.echo(
            f"archived {report.archived} audit row(s) older than {report.cutoff:%Y-%m-%d %H:%M} UTC "
            f"in {report.batches} batch(es) to {report.path} (sha256 {report.sha256})"
        )
