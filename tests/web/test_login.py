"""Logging in and out through the real form, as each role."""

from __future__ import annotations

import pytest

from tests.conftest import ROLE_USERS, TEST_PASSWORD, csrf_token, login

pytestmark = pytest.mark.smoke


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_each_role_logs_in_with_email_and_reaches_the_home_page(login_as, role):
    browser = login_as(role)
    home = browser.get("/", follow_redirects=True)
    assert home.status_code == 200
    assert "Logout" in home.get_data(as_text=True) or "logout" in home.get_data(as_text=True)


def test_wrong_password_is_refused_with_a_generic_message(client):
    response = login(client, ROLE_USERS["Manager"], "not the password at all", follow=True)
    page = response.get_data(as_text=True)
    assert "Invalid email or password." in page
    assert client.get("/users/list/").status_code in (302, 401, 403)


def test_login_form_asks_for_email(client):
    page = client.get("/login/").get_data(as_text=True)
    assert ">Email<" in page
    assert 'type="email"' in page


def test_login_without_csrf_token_is_rejected(client):
    response = client.post("/login/", data={"username": ROLE_USERS["Admin"], "password": TEST_PASSWORD})
    assert response.status_code == 400


def test_logout_ends_the_session(admin_client):
    assert admin_client.get("/users/list/").status_code == 200
    admin_client.get("/logout/")
    after = admin_client.get("/users/list/")
    assert after.status_code == 302 and "/login" in after.headers["Location"]


def engineer(app):
    return app.appbuilder.sm.find_user(email=ROLE_USERS["Engineer"])


def test_login_records_last_login_and_resets_failures(app, client):
    login(client, ROLE_USERS["Engineer"], "wrong password here")
    with app.app_context():
        assert engineer(app).failed_login_attempts == 1
    login(client, ROLE_USERS["Engineer"])
    with app.app_context():
        user = engineer(app)
        assert user.failed_login_attempts == 0
        assert user.last_login_at is not None and user.last_login_at.tzinfo is not None


def test_users_screen_is_admin_only(login_as):
    assert login_as("Admin").get("/users/list/").status_code == 200
    for role in ("Manager", "Account Manager", "Engineer"):
        response = login_as(role).get("/users/list/")
        assert response.status_code == 403, role


def test_csrf_token_helper_finds_token(client):
    assert csrf_token(client.get("/login/").get_data(as_text=True))
