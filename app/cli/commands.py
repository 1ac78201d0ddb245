"""The `flask mssp` command group."""

from __future__ import annotations

import functools
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from app.db.readiness import database_problem
from app.errors import DomainError
from app.extensions import db
from app.services.accounts.roles import ADMIN


def requires_migrated_database(command):
    """Fail with one readable line when the database is unreachable or not migrated."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        problem = database_problem(db.engine, current_app.extensions["migrate"].directory)
        if problem:
            raise click.ClickException(problem)
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            raise click.ClickException(error.message) from None

    return wrapper


@click.group("mssp")
def mssp() -> None:
    """MSSP platform commands."""


@mssp.command("init")
@click.option("--admin-email", envvar="MSSP_ADMIN_EMAIL", default=None, help="First admin's email.")
@click.option("--admin-password", envvar="MSSP_ADMIN_PASSWORD", default=None, help="First admin's password.")
@click.option(
    "--reset-roles",
    is_flag=True,
    default=False,
    help="Make the built-in roles exactly the declared defaults again (undoes admins' edits to them).",
)
@with_appcontext
@requires_migrated_database
def init_command(admin_email: str | None, admin_password: str | None, reset_roles: bool) -> None:
    """Add missing roles and permissions (never undoing an admin's change); create the first admin.

    With --reset-roles, the built-in roles are reset to the declared defaults.
    """
    from app.security.sync import sync_roles
    from app.services.accounts.users import create_user

    appbuilder = current_app.appbuilder
    report = sync_roles(appbuilder, reset=reset_roles)
    for role in report.created_roles:
        click.echo(f"created role {role}")
    for role, count in report.granted.items():
        if count or report.revoked.get(role):
            click.echo(f"role {role}: {count} permission(s) granted, {report.revoked.get(role, 0)} revoked")
    for role, extra in report.beyond_table.items():
        click.echo(
            f"role {role}: kept {len(extra)} permission(s) granted by hand beyond "
            f"app/services/accounts/roles.py: {', '.join(extra)}"
        )
    if report.beyond_table:
        click.echo("`flask mssp init --reset-roles` takes them back")
    elif not report.changed:
        click.echo("roles and permissions already up to date")

    sm = appbuilder.sm
    admin_role = sm.find_role(ADMIN)
    if admin_email and sm.find_user(email=admin_email.strip().lower()):
        click.echo(f"admin {admin_email.strip().lower()} already exists")
        return
    if not admin_email and any(admin_role in u.roles for u in sm.get_all_users()):
        click.echo("an admin already exists")
        return
    if not (admin_email and admin_password) and not sys.stdin.isatty():
        click.echo(
            "no admin yet: set MSSP_ADMIN_EMAIL and MSSP_ADMIN_PASSWORD, "
            "or run `flask mssp init` in a terminal"
        )
        return
    if not admin_email:
        admin_email = click.prompt("First admin's email")
    if not admin_password:
        admin_password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = create_user(appbuilder, admin_email, admin_password, "Admin", "User", ADMIN)
    click.echo(f"created admin {user.email}")


@mssp.command("seed-demo")
@with_appcontext
@requires_migrated_database
def seed_demo_command() -> None:
    """Load demo data (idempotent: existing demo records are left alone)."""
    from app.demo.seed import seed_demo_data

    summary = seed_demo_data(current_app.appbuilder)
    for name, count in summary.items():
        click.echo(f"{name}: {count} created")


@mssp.command("check-db")
@with_appcontext
def check_db_command() -> None:
    """Exit 0 when the database answers and is migrated, else say what is wrong."""
    problem = database_problem(db.engine, current_app.extensions["migrate"].directory)
    if problem:
        raise click.ClickException(problem)
    click.echo("database ok")


@mssp.command("stop-db")
@with_appcontext
def stop_db_command() -> None:
    """Stop the embedded PostgreSQL server (it is started again on demand)."""
    from app.db.embedded import stop_embedded_server

    if current_app.config.get("DATABASE_URL"):
        raise click.ClickException("DATABASE_URL is set: there is no embedded server to stop.")
    db.engine.dispose()
    stopped = stop_embedded_server(current_app.config["MSSP_INSTANCE_DIR"])
    click.echo("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")
