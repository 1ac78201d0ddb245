"""The schema comes only from Alembic: one head, clean upgrade, full downgrade, no drift."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from psycopg2 import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.migrations

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"


def scratch_database_url(app, suffix: str) -> str:
    """A new, empty database next to the test database; returns its URL."""
    from app.extensions import db

    with app.app_context():
        url = db.engine.url
    name = f"{url.database}_{suffix}"
    admin = psycopg2.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()
    return url.set(database=name).render_as_string(hide_password=False)


def flask_cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "MSSP_ENV": "development", "FLASK_APP": "run.py"}
    return subprocess.run(
        [sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def scratch_app(app):
    from app import create_app
    from app.extensions import db

    scratch = create_app({"SQLALCHEMY_DATABASE_URI": scratch_database_url(app, "migrations")})
    yield scratch
    with scratch.app_context():
        db.engine.dispose()


def schema_drift(flask_app) -> list:
    from app.db.schema import include_object
    from app.extensions import db

    with flask_app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        return compare_metadata(context, db.metadata)


def user_objects(flask_app) -> list[str]:
    """Tables, sequences, views and types left in the public schema, but Alembic's own."""
    from app.extensions import db

    with flask_app.app_context(), db.engine.connect() as conn:
        relations = conn.execute(
            text(
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND relkind IN ('r','S','v','m','p') "
                "AND relname <> 'alembic_version'"
            )
        ).scalars()
        types = conn.execute(
            text(
                "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                "WHERE n.nspname = 'public' AND t.typtype IN ('e','d','c') AND t.typrelid = 0"
            )
        ).scalars()
        return sorted([*relations, *types])


def test_there_is_a_single_head():
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_flask_db_upgrade_on_an_empty_database_prints_no_error(app):
    url = scratch_database_url(app, "cli_upgrade")
    result = flask_cli(url, "db", "upgrade")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for marker in ("ERROR", "Error", "Traceback", "Warning", "does not exist"):
        assert marker not in output, output
    assert "Running upgrade" in output


def test_upgrade_from_empty_matches_the_models(scratch_app):
    from flask_migrate import upgrade

    with scratch_app.app_context():
        upgrade()
    assert schema_drift(scratch_app) == []


def test_downgrade_to_base_drops_everything_and_upgrade_works_again(scratch_app):
    from flask_migrate import downgrade, upgrade

    with scratch_app.app_context():
        upgrade()
        downgrade(revision="base")
    assert user_objects(scratch_app) == []
    with scratch_app.app_context():
        upgrade()
    assert schema_drift(scratch_app) == []


def test_a_wrong_database_url_gives_one_readable_line(tmp_path):
    url = "postgresql://postgres@127.0.0.1:1/nowhere"
    result = flask_cli(url, "db", "upgrade")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "cannot connect to database 'nowhere' on 127.0.0.1" in result.stderr
    assert "Check DATABASE_URL" in result.stderr


def test_a_database_that_is_not_migrated_is_named_with_the_fix(app):
    url = scratch_database_url(app, "unmigrated")
    result = flask_cli(url, "mssp", "init")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"database '{make_url(url).database}'" in result.stderr
    assert "is not migrated: run `flask db upgrade`" in result.stderr


def test_trigram_indexes_exist_exactly_where_pg_trgm_is_available(scratch_app):
    """Contains-search indexes on a server with pg_trgm (system PostgreSQL); none, and no
    error, on the embedded one. Either way the schema equals the models."""
    from flask_migrate import upgrade

    from app.extensions import db

    with scratch_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            available = conn.execute(
                text("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'")
            ).scalar()
            indexes = conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'trgm\\_%' ORDER BY 1")
            ).scalars().all()
    if available:
        assert "trgm_financial_transactions_description" in indexes
        assert "trgm_clients_company_name" in indexes
    else:
        assert indexes == []
    assert schema_drift(scratch_app) == []
