"""Session cookies and their lifetime: flags, idle and absolute limits, logout, replay."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ROLE_USERS, TEST_PASSWORD, csrf_token, login, logout
from tests.web.auth_helpers import audit_events, user_by_email

ENGINEER = ROLE_USERS["Engineer"]


def signed_in(browser) -> bool:
    return browser.get("/users/userinfo/").status_code == 200


def session_cookie(browser):
    cookie = browser.get_cookie("session")
    assert cookie is not None
    return cookie


@pytest.fixture
def production_app(app, db_connection, monkeypatch):
    """The production configuration, on the test database."""
    from app import create_app
    from app.extensions import db
    from config import config_for

    monkeypatch.setenv("SECRET_KEY", "production-like-secret-key-" + "x" * 20)
    monkeypatch.setenv("MSSP_TRUSTED_HOSTS", "mssp.example.com")
    settings = config_for("production")
    with app.app_context():
        settings.SQLALCHEMY_DATABASE_URI = make_url(db.engine.url).render_as_string(hide_password=False)
    return create_app(settings)


def test_production_cookies_are_secure_httponly_and_samesite_lax(production_app):
    site = "https://mssp.example.com"
    browser = production_app.test_client()
    page = browser.get("/login/", base_url=site).get_data(as_text=True)
    # Over HTTPS Flask-WTF also wants a same-site Referer, which browsers send here.
    response = browser.post(
        "/login/", base_url=site, headers={"Referer": f"{site}/login/"},
        data={"username": ENGINEER, "password": TEST_PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    set_cookie = response.headers["Set-Cookie"]
    assert "Secure" in set_cookie
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie
    signed_in_page = browser.get("/users/userinfo/", base_url=site)
    assert signed_in_page.status_code == 200
    assert signed_in_page.headers["Strict-Transport-Security"].startswith("max-age=")
    # The production app answers only to its own host names.
    assert browser.get("/login/", base_url="https://evil.example").status_code == 400


def test_development_cookies_are_httponly_and_samesite_lax(client):
    set_cookie = login(client, ENGINEER).headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie


def test_login_records_last_login_and_starts_a_fresh_session(app, client):
    client.get("/login/")
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    login(client, ENGINEER)
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["mssp_sid"] and after["mssp_auth_at"]
    assert user_by_email(app, ENGINEER).last_login_at is not None


def test_the_session_ends_after_the_idle_timeout(app, login_as):
    browser = login_as("Engineer")
    assert signed_in(browser)
    idle_seconds = app.config["MSSP_SESSION_IDLE_MINUTES"] * 60
    with browser.session_transaction() as session:
        session["mssp_seen_at"] -= idle_seconds + 1
    response = browser.get("/users/userinfo/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Your session has ended" in browser.get("/login/").get_data(as_text=True)


def test_activity_keeps_the_session_alive(app, login_as):
    browser = login_as("Engineer")
    idle_seconds = app.config["MSSP_SESSION_IDLE_MINUTES"] * 60
    with browser.session_transaction() as session:
        session["mssp_seen_at"] -= idle_seconds - 60
    assert signed_in(browser)  # seen again now
    with browser.session_transaction() as session:
        session["mssp_seen_at"] -= idle_seconds - 60
    assert signed_in(browser)


def test_the_session_ends_after_twelve_hours_whatever_the_activity(app, login_as):
    assert app.config["MSSP_SESSION_MAX_HOURS"] == 12
    browser = login_as("Engineer")
    with browser.session_transaction() as session:
        session["mssp_auth_at"] -= 12 * 3600 + 1
    assert not signed_in(browser)


def test_logout_invalidates_the_session_even_for_a_copied_cookie(app, login_as):
    browser = login_as("Engineer")
    stolen = session_cookie(browser).value
    logout(browser)
    assert not signed_in(browser)

    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/users/userinfo/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    engineer = user_by_email(app, ENGINEER)
    [event] = audit_events(app, "logout", actor_user_id=engineer.id)
    assert event.entity_type == "session" and len(event.entity_id) == 32


def test_logout_ends_only_that_session(app, login_as):
    first, second = login_as("Engineer"), login_as("Engineer")
    logout(first)
    assert not signed_in(first)
    assert signed_in(second)


def test_a_session_cookie_used_from_another_browser_is_dropped(app, login_as):
    """Flask-Login's "strong" protection: the session is bound to the IP and user agent."""
    assert app.login_manager.session_protection == "strong"
    browser = login_as("Engineer")
    stolen = session_cookie(browser).value
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/users/userinfo/", headers={"User-Agent": "Other browser/1.0"})
    assert response.status_code == 302
    assert signed_in(browser)


def test_a_session_from_before_this_release_must_sign_in_again(app, login_as):
    browser = login_as("Engineer")
    with browser.session_transaction() as session:
        for key in ("mssp_sid", "mssp_auth_at", "mssp_seen_at"):
            session.pop(key)
    assert not signed_in(browser)
