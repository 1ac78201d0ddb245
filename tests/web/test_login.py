"""Logging in and out through the real form, as each role."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROLE_USERS, TEST_PASSWORD, csrf_token, login, logout

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
    assert logout(admin_client).status_code == 302
    after = admin_client.get("/users/list/")
    assert after.status_code == 302 and "/login" in after.headers["Location"]


def test_logout_is_a_form_in_the_navbar_not_a_link(admin_client):
    page = admin_client.get("/clientview/list/").get_data(as_text=True)
    assert 'href="/logout/"' not in page
    assert re.search(r'<form class="mssp-logout" method="post" action="/logout/">\s*'
                     r'<input type="hidden" name="csrf_token" value="[^"]+">', page)


def test_a_get_of_the_logout_address_only_asks(admin_client):
    """A link or an <img src="/logout/"> on another site cannot sign anyone out."""
    response = admin_client.get("/logout/")
    assert response.status_code == 200
    assert "Sign out?" in response.get_data(as_text=True)
    assert admin_client.get("/users/list/").status_code == 200, "still signed in"


def test_a_logout_post_without_the_csrf_token_is_refused(admin_client):
    assert admin_client.post("/logout/").status_code == 400
    assert admin_client.get("/users/list/").status_code == 200, "still signed in"


def test_the_logout_address_sends_a_signed_out_visitor_to_the_login_page(client):
    response = client.get("/logout/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


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
