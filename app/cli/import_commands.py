"""`flask mssp import <resource> FILE [--dry-run] [--update] [--skip-bad-rows]` (issue 18.3):
the screens' import without their row limit, with a progress bar and the report at the end."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.errors import DomainError
from app.services.imports.engine import ImportOptions
from app.services.imports.reading import read_table
from app.web.imports import import_into, import_screens

#: Bad rows listed at the end at most (the counts cover every row).
LISTED_ERRORS = 50


def register_import_commands(group: click.Group, requires_migrated_database) -> None:  # type: ignore[no-untyped-def]
    @group.command("import")
    @click.argument("resource")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
    @click.option("--update", is_flag=True, help="A row without an id updates the record with the same name.")
    @click.option(
        "--skip-bad-rows", is_flag=True, help="Write the good rows; report the bad ones as skipped."
    )
    @with_appcontext
    @requires_migrated_database
    def import_command(resource: str, file: Path, dry_run: bool, update: bool, skip_bad_rows: bool) -> None:
        """Import RESOURCE rows (client, contract, license_pool, ...) from a CSV or XLSX FILE."""
        screens = import_screens()
        view = screens.get(resource.strip().lower())
        if view is None:
            raise click.UsageError(f"No import for {resource!r}. Choose one of: {', '.join(screens)}.")
        try:
            table = read_table(file.read_bytes(), file.name)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        options = ImportOptions(
            dry_run=dry_run, skip_bad_rows=skip_bad_rows, update_by_key=update, file_name=file.name
        )
        with click.progressbar(length=len(table.rows), label=f"Checking and writing {file.name}") as bar:
            done = [0]

            def progress(rows: int) -> None:
                bar.update(rows - done[0])
                done[0] = rows

            try:
                report = import_into(view, table, options, progress)
            except DomainError as error:
                raise click.ClickException(error.message) from None
        for row in report.bad_rows[:LISTED_ERRORS]:
            for error in row.errors:
                click.echo(f"line {row.line}: {error.column or 'row'}: {error.message}", err=True)
        if len(report.bad_rows) > LISTED_ERRORS:
            click.echo(f"... and {len(report.bad_rows) - LISTED_ERRORS} more row(s) with errors.", err=True)
        click.echo(("Dry run: " if dry_run else "") + report.summary())
        if report.bad_rows and not dry_run and not skip_bad_rows:
            raise SystemExit(1)
