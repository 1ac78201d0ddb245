"""The embedded PostgreSQL: started on demand, shared by processes, persistent."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import psycopg2
import pytest

from app.db.embedded import embedded_database_url, pgdata_path, stop_embedded_server


@pytest.fixture
def instance_dir(tmp_path):
    yield tmp_path
    stop_embedded_server(tmp_path)


def server_identity(url: str) -> tuple[str, int]:
    """When the server started, and its version number."""
    conn = psycopg2.connect(url.replace("+psycopg2", ""))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_postmaster_start_time()::text, current_setting('server_version_num')")
            started, version = cur.fetchone()
            return started, int(version)
    finally:
        conn.close()


def test_starts_a_real_postgresql_18_under_the_instance_folder_and_creates_the_database(instance_dir):
    url = embedded_database_url(instance_dir, "mssp")
    assert (pgdata_path(instance_dir) / "PG_VERSION").read_text().strip() == "18"
    started, version = server_identity(url)
    assert version >= 180000
    assert "/mssp?host=" in url


def test_a_second_process_reuses_the_running_server_and_data_survives_a_restart(instance_dir):
    url = embedded_database_url(instance_dir, "mssp")
    started, _ = server_identity(url)
    with psycopg2.connect(url.replace("+psycopg2", "")) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')")

    child = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                from app.db.embedded import embedded_database_url
                print(embedded_database_url({str(instance_dir)!r}, "mssp"))
                """
            ),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert child.stdout.strip() == url
    # Same server: not restarted by the second process (nor stopped when it exited).
    assert server_identity(url)[0] == started

    assert stop_embedded_server(instance_dir) is True
    url_again = embedded_database_url(instance_dir, "mssp")
    assert server_identity(url_again)[0] != started
    with psycopg2.connect(url_again.replace("+psycopg2", "")) as conn, conn.cursor() as cur:
        cur.execute("SELECT note FROM kept")
        assert cur.fetchone() == ("still here",)


def test_an_explicit_database_url_never_starts_the_embedded_server(tmp_path):
    from app.db import resolve_database_url

    url = resolve_database_url("postgresql://db.example/mssp", str(tmp_path), "mssp")
    assert url == "postgresql+psycopg2://db.example/mssp"
    assert not pgdata_path(tmp_path).exists()


def test_a_non_postgresql_url_is_refused(tmp_path):
    from app.db import resolve_database_url

    with pytest.raises(ValueError, match="must be a PostgreSQL URL"):
        resolve_database_url("sqlite:///x.db", str(tmp_path), "mssp")


def test_the_server_settings_are_included_once_and_kept_up_to_date(tmp_path):
    from app.db.embedded import SETTINGS_FILE, write_server_settings

    (tmp_path / "postgresql.conf").write_text("max_connections = 100\n")
    (tmp_path / SETTINGS_FILE).write_text("wal_buffers = '4MB'\n")  # from an older version
    write_server_settings(tmp_path)
    write_server_settings(tmp_path)
    assert (tmp_path / "postgresql.conf").read_text().count(SETTINGS_FILE) == 1
    assert "wal_buffers = '64MB'" in (tmp_path / SETTINGS_FILE).read_text()
