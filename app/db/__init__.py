"""Where the database is: an explicit URL, or the embedded PostgreSQL server."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.db.embedded import embedded_database_url

#: The driver we ship (psycopg2-binary); SQLAlchemy 2.1 would otherwise pick psycopg 3.
DRIVER = "postgresql+psycopg2"


def normalise_database_url(database_url: str) -> str:
    """Accept postgres:// and postgresql:// URLs; always use the psycopg2 driver."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise ValueError(f"DATABASE_URL is not a valid database URL: {database_url!r}") from None
    if url.get_backend_name() not in ("postgresql", "postgres"):
        raise ValueError(
            f"DATABASE_URL must be a PostgreSQL URL (postgresql://...), got {url.drivername}://"
        )
    return url.set(drivername=DRIVER).render_as_string(hide_password=False)


def resolve_database_url(database_url: str | None, instance_dir: str, embedded_database: str) -> str:
    """Return the SQLAlchemy URL to use.

    An explicit URL is used as given (the embedded server is never started);
    otherwise the embedded server under `instance_dir` is started or reused and
    `embedded_database` is created on it if missing.
    """
    if database_url:
        return normalise_database_url(database_url)
    return embedded_database_url(instance_dir, embedded_database)
