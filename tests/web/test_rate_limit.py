"""Login throttling per client IP: the form and the API login share one limit, 429 + Retry-After."""

from __future__ import annotations

import socket
import uuid

import pytest

from tests.conftest import ROLE_USERS, csrf_token
from tests.web.auth_helpers import API_LOGIN, api_login

ENGINEER = ROLE_USERS["Engineer"]


@pytest.fixture
def low_limit(app, monkeypatch):
    """Three login attempts per minute, on a fresh counter (the suite's limit is far higher)."""
    monkeypatch.setitem(app.config, "MSSP_LOGIN_RATE_LIMIT", "3 per minute")
    limiter = app.appbuilder.sm.limiter
    limiter.reset()
    yield limiter
    limiter.reset()


def form_login(client, password="not the password at all", address="127.0.0.1"):
    page = client.get("/login/", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
    return client.post(
        "/login/",
        data={"username": ENGINEER, "password": password, "csrf_token": csrf_token(page)},
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_api_login_answers_429_with_retry_after(client, low_limit):
    for _ in range(3):
        assert api_login(client, ENGINEER, "not the password at all").status_code == 401
    response = api_login(client, ENGINEER, "not the password at all")
    assert response.status_code == 429
    assert response.get_json() == {"message": "Too many login attempts from your address; try again later."}
    assert 1 <= int(response.headers["Retry-After"]) <= 61


def test_the_login_form_answers_429_with_retry_after(client, low_limit):
    for _ in range(3):
        assert form_login(client).status_code == 302
    response = form_login(client)
    assert response.status_code == 429
    assert "Too many login attempts" in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    # Looking at the page is not limited, only attempts.
    assert client.get("/login/").status_code == 200


def test_the_form_and_the_api_share_one_budget(client, low_limit):
    form_login(client)
    api_login(client, ENGINEER, "not the password at all")
    form_login(client)
    assert api_login(client, ENGINEER, "not the password at all").status_code == 429
    assert form_login(client).status_code == 429


def test_the_limit_is_per_client_address(app, client, low_limit):
    for _ in range(3):
        form_login(client, address="10.0.0.1")
    assert form_login(client, address="10.0.0.1").status_code == 429
    other = app.test_client()
    assert form_login(other, address="10.0.0.2").status_code == 302
    assert (
        other.post(
            API_LOGIN,
            json={"username": ENGINEER, "password": "x" * 12, "provider": "db"},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        ).status_code
        == 401
    )


def test_a_correct_password_is_throttled_too(client, low_limit):
    for _ in range(3):
        api_login(client, ENGINEER, "not the password at all")
    assert api_login(client, ENGINEER).status_code == 429


def redis_available() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_workers_sharing_redis_storage_share_the_count(db_connection):
    """Two apps stand for two gunicorn workers: with Redis, the second sees the first's hits."""
    from app import create_app

    settings = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"mssp-test-{uuid.uuid4().hex}",
        "MSSP_LOGIN_RATE_LIMIT": "2 per minute",
    }
    worker_one, worker_two = create_app(settings), create_app(settings)
    try:
        assert api_login(worker_one.test_client(), ENGINEER, "not the password at all").status_code == 401
        assert api_login(worker_two.test_client(), ENGINEER, "not the password at all").status_code == 401
        assert api_login(worker_one.test_client(), ENGINEER, "not the password at all").status_code == 429
    finally:
        worker_one.appbuilder.sm.limiter.reset()
