"""Each password rule on each path that sets a password: the user screens, the user
REST API, FAB's CLI commands and `flask mssp init`."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from app.services.accounts import passwords
from app.services.accounts.passwords import CONTAINS_EMAIL, TOO_COMMON, TOO_SHORT
from tests.conftest import ROLE_USERS, TEST_PASSWORD, csrf_token
from tests.web.auth_helpers import api_login, api_token, audit_events, bearer, user_by_email

NEW_EMAIL = "new.person@test.example"
ENGINEER = ROLE_USERS["Engineer"]
LONG_PASSWORD = ("violet-kettle-marble-" * 7)[:128]

#: rule -> (password for the new person, password for the Engineer, expected message)
RULES = {
    "too short": ("tiny-words", "tiny-words", TOO_SHORT),
    "contains the email": ("new.person-likes-tea", "engineer-likes-tea", CONTAINS_EMAIL),
    "common": ("password123456", "password123456", TOO_COMMON),
}


def role_id(app, name: str) -> int:
    from app.extensions import db

    with app.app_context():
        found = app.appbuilder.sm.find_role(name).id
        db.session.remove()
    return found


def form_result(response) -> tuple[bool, str]:
    return response.status_code == 302, html.unescape(response.get_data(as_text=True))


# --- one function per entry point: (accepted?, what the person saw) ------------------------


def via_user_add_form(app, login_as, password):
    admin = login_as("Admin")
    token = csrf_token(admin.get("/users/add").get_data(as_text=True))
    return form_result(
        admin.post(
            "/users/add",
            data={
                "first_name": "New", "last_name": "Person", "email": NEW_EMAIL, "active": "y",
                "roles": [role_id(app, "Engineer")], "password": password, "conf_password": password,
                "csrf_token": token,
            },
        )
    )


def via_admin_reset_form(app, login_as, password):
    admin = login_as("Admin")
    url = f"/resetpassword/form?pk={user_by_email(app, ENGINEER).id}"
    token = csrf_token(admin.get(url).get_data(as_text=True))
    return form_result(
        admin.post(url, data={"password": password, "conf_password": password, "csrf_token": token})
    )


def via_own_reset_form(app, login_as, password):
    engineer = login_as("Engineer")
    token = csrf_token(engineer.get("/resetmypassword/form").get_data(as_text=True))
    return form_result(
        engineer.post(
            "/resetmypassword/form",
            data={"password": password, "conf_password": password, "csrf_token": token},
        )
    )


def via_rest_create(app, login_as, password):
    api = app.test_client()
    response = api.post(
        "/api/v1/security/users/",
        headers=bearer(api_token(api, ROLE_USERS["Admin"])),
        json={
            "first_name": "New", "last_name": "Person", "email": NEW_EMAIL, "username": "ignored",
            "password": password, "roles": [role_id(app, "Engineer")],
        },
    )
    return response.status_code == 201, str(response.get_json())


def via_rest_update(app, login_as, password):
    api = app.test_client()
    response = api.put(
        f"/api/v1/security/users/{user_by_email(app, ENGINEER).id}",
        headers=bearer(api_token(api, ROLE_USERS["Admin"])),
        json={"password": password},
    )
    return response.status_code == 200, str(response.get_json())


def fab_command(app, *args):
    from flask_appbuilder.cli import fab

    result = app.test_cli_runner().invoke(fab, args=list(args))
    return result.exit_code == 0 and "rror" not in result.output, result.output


def via_fab_create_admin(app, login_as, password):
    return fab_command(
        app, "create-admin", "--username", NEW_EMAIL, "--firstname", "New", "--lastname", "Person",
        "--email", NEW_EMAIL, "--password", password,
    )


def via_fab_create_user(app, login_as, password):
    return fab_command(
        app, "create-user", "--role", "Engineer", "--username", NEW_EMAIL, "--firstname", "New",
        "--lastname", "Person", "--email", NEW_EMAIL, "--password", password,
    )


def via_fab_reset_password(app, login_as, password):
    return fab_command(app, "reset-password", "--username", ENGINEER, "--password", password)


def via_mssp_init(app, login_as, password):
    result = app.test_cli_runner().invoke(
        args=["mssp", "init", "--admin-email", NEW_EMAIL, "--admin-password", password]
    )
    return result.exit_code == 0, result.output


NEW_USER_PATHS = {
    "user add form": via_user_add_form,
    "REST create": via_rest_create,
    "flask fab create-admin": via_fab_create_admin,
    "flask fab create-user": via_fab_create_user,
    "flask mssp init": via_mssp_init,
}
EXISTING_USER_PATHS = {
    "admin reset form": via_admin_reset_form,
    "own reset form": via_own_reset_form,
    "REST update": via_rest_update,
    "flask fab reset-password": via_fab_reset_password,
}
ENTRY_POINTS = {**NEW_USER_PATHS, **EXISTING_USER_PATHS}


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("entry_point", list(ENTRY_POINTS))
def test_each_rule_is_enforced_on_each_entry_point(app, login_as, entry_point, rule):
    new_person_password, engineer_password, message = RULES[rule]
    password = new_person_password if entry_point in NEW_USER_PATHS else engineer_password
    before = user_by_email(app, ENGINEER).password

    accepted, seen = ENTRY_POINTS[entry_point](app, login_as, password)

    assert not accepted, seen
    assert message in seen, seen
    assert user_by_email(app, NEW_EMAIL) is None
    assert user_by_email(app, ENGINEER).password == before
    assert api_login(app.test_client(), ENGINEER).status_code == 200


@pytest.mark.parametrize("entry_point", list(ENTRY_POINTS))
def test_a_long_passphrase_is_accepted_and_stamped_on_each_entry_point(app, login_as, entry_point):
    started = dt.datetime.now(dt.UTC)
    accepted, seen = ENTRY_POINTS[entry_point](app, login_as, LONG_PASSWORD)
    assert accepted, seen

    email = NEW_EMAIL if entry_point in NEW_USER_PATHS else ENGINEER
    user = user_by_email(app, email)
    assert user.username == email
    assert passwords.hash_method(user.password) == app.config["FAB_PASSWORD_HASH_METHOD"]
    assert user.last_password_change_at is not None and user.last_password_change_at >= started
    assert api_login(app.test_client(), email, LONG_PASSWORD).status_code == 200
    if entry_point in EXISTING_USER_PATHS:
        assert api_login(app.test_client(), ENGINEER, TEST_PASSWORD).status_code == 401
        [event] = audit_events(app, "password_changed", entity_id=str(user.id))
        assert event.entity_type == "user"


def test_an_own_password_change_keeps_this_session_and_ends_the_others(app, login_as):
    this_browser, other_browser = login_as("Engineer"), login_as("Engineer")
    token = csrf_token(this_browser.get("/resetmypassword/form").get_data(as_text=True))
    this_browser.post(
        "/resetmypassword/form",
        data={"password": LONG_PASSWORD, "conf_password": LONG_PASSWORD, "csrf_token": token},
    )
    assert this_browser.get("/users/userinfo/").status_code == 200
    assert other_browser.get("/users/userinfo/").status_code == 302


def test_an_admin_reset_ends_the_persons_sessions_and_tokens(app, login_as):
    engineer = login_as("Engineer")
    api = app.test_client()
    token = api_token(api, ENGINEER)
    accepted, seen = via_admin_reset_form(app, login_as, LONG_PASSWORD)
    assert accepted, seen
    assert engineer.get("/users/userinfo/").status_code == 302
    assert api.get("/api/v1/security/users/", headers=bearer(token)).status_code == 401


def test_the_password_field_explains_the_policy(login_as):
    page = login_as("Admin").get("/users/add").get_data(as_text=True)
    assert "At least 12 characters" in page
    assert "this application does not check this for you" not in page
