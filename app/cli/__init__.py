"""`flask mssp ...`: the project's commands."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from app.cli.alerts_commands import alerts_group
    from app.cli.audit_commands import register_audit_commands
    from app.cli.commands import mssp, requires_migrated_database
    from app.cli.import_commands import register_import_commands
    from app.cli.reconciliation_commands import reconcile_command
    from app.cli.reports_commands import reports_group
    from app.cli.sync_commands import register_sync_commands
    from app.dashboards.cli import refresh_rollups_command

    mssp.add_command(refresh_rollups_command)
    mssp.add_command(alerts_group)
    mssp.add_command(reports_group)
    mssp.add_command(reconcile_command)
    register_sync_commands(mssp, requires_migrated_database)
    register_audit_commands(mssp, requires_migrated_database)
    register_import_commands(mssp, requires_migrated_database)
    app.cli.add_command(mssp)
