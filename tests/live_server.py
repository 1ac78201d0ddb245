"""gunicorn serving the app as `make run` does (2 workers x 4 threads), for tests over real HTTP.

`serve(database)` gives the base URL of gunicorn on a fresh database of its own on the
embedded server (or the server TEST_DATABASE_URL names is ignored: the embedded one is the
default everywhere), migrated, with `flask mssp init` run (the admin below) and, when asked,
`flask mssp seed-demo`. The database is dropped afterwards unless `keep` is set.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOGS = ROOT / "test-output"

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@mssp.example", "orbit-lantern-2026"

RESET_SCHEMA = """
from sqlalchemy import text
from app import create_app
from app.extensions import db
with create_app().app_context():
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.engine.dispose()
"""

DROP_DATABASE = """
import sys
import psycopg2
from psycopg2 import sql
from app.db.embedded import start_embedded_server
from config import config_for
server = start_embedded_server(config_for().MSSP_INSTANCE_DIR)
conn = psycopg2.connect(server.get_uri("postgres"))
conn.autocommit = True
with conn.cursor() as cursor:
    cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(sys.argv[1])))
conn.close()
"""


def server_env(database: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env.update(
        FLASK_APP="run.py",
        MSSP_ENV="development",
        MSSP_EMBEDDED_DATABASE=database,
        MSSP_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        MSSP_THREADS="4",
        # Every test signs in from 127.0.0.1: the per-IP login throttle must not get in the way.
        MSSP_LOGIN_RATE_LIMIT="1000 per minute",
        MSSP_ADMIN_EMAIL=ADMIN_EMAIL,
        MSSP_ADMIN_PASSWORD=ADMIN_PASSWORD,
    )
    env.update(extra)
    return env


def run_command(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"gunicorn did not answer /health within {timeout}s:\n{log.read_text()[-4000:]}")


@contextmanager
def serve(
    database: str,
    *,
    seed_demo: bool = False,
    prepare: list[list[str]] | None = None,
    keep: bool = False,
    log_name: str = "gunicorn",
    environment: dict[str, str] | None = None,
) -> Iterator[str]:
    """The base URL of gunicorn on `database`, fresh and migrated; stopped (and the
    database dropped, unless `keep`) on exit. `prepare`: more commands to run first;
    `environment`: settings over server_env's."""
    port = free_port()
    env = server_env(database, port, **(environment or {}))
    python, flask = str(BIN / "python"), str(BIN / "flask")
    run_command([python, "-c", RESET_SCHEMA], env)
    run_command([flask, "db", "upgrade"], env)
    run_command([flask, "mssp", "init"], env)
    if seed_demo:
        run_command([flask, "mssp", "seed-demo"], env)
    for command in prepare or []:
        run_command([flask, *command], env)
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{log_name}.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "run:app"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(base_url, server, log)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if not keep:
                run_command([python, "-c", DROP_DATABASE, database], env)
