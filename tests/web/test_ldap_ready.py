"""AUTH_TYPE=ldap from the environment: the app starts, shows our login page and screens,
and keeps our lockout and generic message (no LDAP server needed)."""

from __future__ import annotations

import pytest

from tests.conftest import ROLE_USERS, TEST_PASSWORD, csrf_token
from tests.web.auth_helpers import INVALID_LOGIN, update_user


@pytest.fixture
def ldap_app(app, db_connection, monkeypatch):
    from app import create_app

    monkeypatch.setenv("AUTH_TYPE", "ldap")
    monkeypatch.setenv("AUTH_LDAP_SERVER", "ldap://127.0.0.1:1")
    monkeypatch.setenv("AUTH_LDAP_UID_FIELD", "mail")
    return create_app()


def test_the_ldap_app_uses_our_login_page_and_user_screen(ldap_app):
    from app.security.views import DirectoryLoginView, MsspLdapUserView

    sm = ldap_app.appbuilder.sm
    assert isinstance(sm.auth_view, DirectoryLoginView)
    assert isinstance(sm.user_view, MsspLdapUserView)
    page = ldap_app.test_client().get("/login/").get_data(as_text=True)
    assert ">Email<" in page


def test_a_locked_account_is_refused_before_the_directory_is_asked(app, ldap_app):
    update_user(app, ROLE_USERS["Engineer"], is_locked=True)
    browser = ldap_app.test_client()
    page = browser.get("/login/").get_data(as_text=True)
    response = browser.post(
        "/login/",
        data={"username": ROLE_USERS["Engineer"], "password": TEST_PASSWORD, "csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert INVALID_LOGIN in response.get_data(as_text=True)


def test_a_directory_account_added_without_a_password_is_marked_ldap_and_has_no_usable_hash(ldap_app):
    from app.models.users import AuthProvider
    from app.services.accounts import passwords

    with ldap_app.app_context():
        sm = ldap_app.appbuilder.sm
        user = sm.add_user("Dir.User@Test.Example", "Dir", "User", "Dir.User@Test.Example",
                           sm.find_role("Engineer"))
        assert user.auth_provider == AuthProvider.LDAP
        # A random secret, hashed with the configured method: no password opens it.
        assert passwords.hash_method(user.password) == ldap_app.config["FAB_PASSWORD_HASH_METHOD"]
        assert not passwords.verify_password(user.password, "", ldap_app.config["FAB_PASSWORD_HASH_METHOD"])
