"""One readable line when the database is unreachable or not migrated."""

from __future__ import annotations

from functools import lru_cache

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError


class DatabaseNotReady(RuntimeError):
    """The database cannot serve the app; the message names the problem and the fix."""


@lru_cache(maxsize=4)
def migration_heads(migrations_dir: str) -> frozenset[str]:
    config = AlembicConfig()
    config.set_main_option("script_location", migrations_dir)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def describe_url(url) -> str:
    url = make_url(url)
    host = url.host or url.query.get("host") or "local socket"
    return f"database {url.database!r} on {host}"


def first_line(error: BaseException) -> str:
    """The driver's own first line of an error (DBAPI errors wrap it in `.orig`)."""
    text_ = str(getattr(error, "orig", None) or error).strip()
    return text_.splitlines()[0] if text_ else type(error).__name__


def connection_problem(engine: Engine, error: BaseException) -> str:
    reason = first_line(error)
    return (
        f"cannot connect to {describe_url(engine.url)}: {reason}. "
        "Check DATABASE_URL, or unset it to use the embedded PostgreSQL server."
    )


def database_problem(engine: Engine, migrations_dir: str) -> str | None:
    """None when the database answers and is at the newest migration, else what is wrong."""
    try:
        with engine.connect() as conn:
            has_table = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
            current = (
                set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
                if has_table
                else set()
            )
    except DBAPIError as error:
        return connection_problem(engine, error)
    except SQLAlchemyError as error:  # pragma: no cover - unexpected driver states
        return f"database error on {describe_url(engine.url)}: {error}"
    heads = migration_heads(migrations_dir)
    if not current:
        return f"{describe_url(engine.url)} is not migrated: run `flask db upgrade`."
    if current != heads:
        return (
            f"{describe_url(engine.url)} is at migration {', '.join(sorted(current))} but the code "
            f"expects {', '.join(sorted(heads))}: run `flask db upgrade`."
        )
    return None
