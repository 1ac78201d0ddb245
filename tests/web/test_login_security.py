"""Lockout, unlock, identical refusals, deactivation, hash upgrades: through the real
login form and the real API login."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from werkzeug.security import generate_password_hash

from app.services.accounts import passwords
from config import config_for
from tests.conftest import ROLE_USERS, TEST_PASSWORD, csrf_token, login
from tests.web.auth_helpers import (
    INVALID_LOGIN,
    api_login,
    api_token,
    audit_events,
    bearer,
    fail_logins,
    page_token,
    update_user,
    user_by_email,
)

ENGINEER = ROLE_USERS["Engineer"]
ADMIN = ROLE_USERS["Admin"]
USERS_API = "/api/v1/security/users/"


def is_logged_in(browser) -> bool:
    response = browser.get("/users/userinfo/")
    return response.status_code == 200


# --- lockout -------------------------------------------------------------------------


def test_five_wrong_passwords_through_the_form_lock_the_account(app, client, caplog):
    caplog.set_level(logging.WARNING, logger="app.services.accounts.login_security")
    for attempt in range(1, 5):
        page = login(client, ENGINEER, "not the password at all", follow=True).get_data(as_text=True)
        assert INVALID_LOGIN in page
        assert user_by_email(app, ENGINEER).failed_login_attempts == attempt
        assert not user_by_email(app, ENGINEER).is_locked
    login(client, ENGINEER, "not the password at all")
    user = user_by_email(app, ENGINEER)
    assert user.is_locked and user.locked_at is not None

    # Even the right password is refused now, with the same message.
    page = login(client, ENGINEER, TEST_PASSWORD, follow=True).get_data(as_text=True)
    assert INVALID_LOGIN in page
    assert not is_logged_in(client)

    # The lock is in the log with the user and the source address.
    assert "account locked: engineer@test.example after 5 consecutive failed logins, last from 127.0.0.1" in (
        caplog.text
    )


def test_the_api_login_counts_towards_the_same_lock(app, client):
    fail_logins(client, ENGINEER, 5)
    assert user_by_email(app, ENGINEER).is_locked
    response = api_login(client, ENGINEER)
    assert response.status_code == 401
    assert response.get_json() == {"message": "Not authorized"}
    # ... and the form refuses too.
    assert INVALID_LOGIN in login(client, ENGINEER, follow=True).get_data(as_text=True)


def test_a_successful_login_resets_the_failure_counter(app, client):
    fail_logins(client, ENGINEER, 4)
    assert api_login(client, ENGINEER).status_code == 200
    assert user_by_email(app, ENGINEER).failed_login_attempts == 0
    fail_logins(client, ENGINEER, 4)
    assert not user_by_email(app, ENGINEER).is_locked


def test_a_jwt_issued_before_the_lock_is_refused_after_it(app, client):
    token = api_token(client, ADMIN)
    assert client.get(USERS_API, headers=bearer(token)).status_code == 200
    fail_logins(app.test_client(), ADMIN, 5)

    refused = client.get(USERS_API, headers=bearer(token))
    assert refused.status_code == 401
    assert refused.get_json() == {"message": "Not authorized"}


def test_existing_web_sessions_end_when_the_account_is_locked(app, admin_client):
    assert admin_client.get("/users/list/").status_code == 200
    fail_logins(app.test_client(), ADMIN, 5)
    response = admin_client.get("/users/list/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_lock_and_failures_are_in_the_audit_trail(app, client):
    fail_logins(client, ENGINEER, 5)
    engineer = user_by_email(app, ENGINEER)
    failures = audit_events(app, "login_failure", actor_user_id=engineer.id)
    assert len(failures) == 5
    assert {event.changes["reason"] for event in failures} == {"wrong password"}
    [locked] = audit_events(app, "account_locked", entity_id=str(engineer.id))
    assert locked.entity_type == "user"
    assert locked.ip == "127.0.0.1"
    assert locked.source.value == "api"
    assert locked.request_id
    # The event carries the fields the lock changed (app.services.audit.capture).
    assert locked.changes["failed_attempts"] == 5
    assert locked.changes["is_locked"] == {"old": False, "new": True}
    assert locked.changes["locked_at"]["old"] is None and locked.changes["locked_at"]["new"]


def test_the_lock_lifts_itself_after_lockout_minutes_when_configured(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MSSP_LOCKOUT_MINUTES", 15)
    fail_logins(client, ENGINEER, 5)
    assert api_login(client, ENGINEER).status_code == 401  # still locked

    update_user(app, ENGINEER, locked_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    assert api_login(client, ENGINEER).status_code == 200
    user = user_by_email(app, ENGINEER)
    assert not user.is_locked and user.failed_login_attempts == 0
    [unlocked] = audit_events(app, "account_unlocked", entity_id=str(user.id))
    assert unlocked.changes == {"by": "automatic", "is_locked": {"old": True, "new": False}}


def test_without_lockout_minutes_only_an_admin_unlocks(app, client):
    assert app.config["MSSP_LOCKOUT_MINUTES"] is None
    fail_logins(client, ENGINEER, 5)
    update_user(app, ENGINEER, locked_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    assert api_login(client, ENGINEER).status_code == 401


# --- the Unlock action --------------------------------------------------------------------


def test_an_admin_unlocks_from_the_user_screen_with_a_confirmation(app, client, admin_client):
    fail_logins(client, ENGINEER, 5)
    engineer = user_by_email(app, ENGINEER)
    show = admin_client.get(f"/users/show/{engineer.id}")
    page = show.get_data(as_text=True)
    assert "Unlock" in page
    assert "Unlock the selected accounts? Their failed-login counters are reset." in page

    response = admin_client.post(
        f"/users/action/unlock/{engineer.id}", data={"csrf_token": csrf_token(page)}, follow_redirects=True
    )
    assert "1 account(s) unlocked." in response.get_data(as_text=True)
    user = user_by_email(app, ENGINEER)
    assert not user.is_locked and user.failed_login_attempts == 0
    [event] = audit_events(app, "account_unlocked", entity_id=str(engineer.id))
    assert event.actor_email == ADMIN
    assert event.changes == {"by": "admin", "is_locked": {"old": True, "new": False}}
    assert api_login(client, ENGINEER).status_code == 200


def test_the_unlock_action_works_on_several_users_from_the_list(app, client, admin_client):
    manager = ROLE_USERS["Manager"]
    fail_logins(client, ENGINEER, 5)
    fail_logins(client, manager, 5)
    ids = [user_by_email(app, email).id for email in (ENGINEER, manager)]
    token = page_token(admin_client, "/users/list/")
    response = admin_client.post(
        "/users/action_post",
        data={"action": "unlock", "rowid": ids, "csrf_token": token},
        follow_redirects=True,
    )
    assert "2 account(s) unlocked." in response.get_data(as_text=True)
    assert not user_by_email(app, ENGINEER).is_locked
    assert not user_by_email(app, manager).is_locked


def test_unlocking_is_admin_only(app, client, login_as):
    fail_logins(client, ENGINEER, 5)
    engineer_id = user_by_email(app, ENGINEER).id
    manager = login_as("Manager")
    token = page_token(manager, "/users/userinfo/")
    response = manager.post(f"/users/action/unlock/{engineer_id}", data={"csrf_token": token})
    assert response.status_code in (302, 403)
    assert user_by_email(app, ENGINEER).is_locked


def test_sessions_and_tokens_from_before_a_lock_stay_refused_after_the_unlock(app, admin_client):
    engineer_api = app.test_client()
    token = api_token(engineer_api, ENGINEER)
    fail_logins(app.test_client(), ENGINEER, 5)
    engineer_id = user_by_email(app, ENGINEER).id
    token_page = page_token(admin_client, f"/users/show/{engineer_id}")
    admin_client.post(f"/users/action/unlock/{engineer_id}", data={"csrf_token": token_page})
    assert not user_by_email(app, ENGINEER).is_locked
    assert engineer_api.get("/api/v1/security/users/", headers=bearer(token)).status_code == 401
    assert api_login(engineer_api, ENGINEER).status_code == 200


# --- identical answers ---------------------------------------------------------------------


def refusal_cases(app, client) -> dict[str, tuple[str, str]]:
    fail_logins(client, ROLE_USERS["Manager"], 5)
    update_user(app, ROLE_USERS["Account Manager"], active=False)
    return {
        "unknown email": ("nobody@test.example", TEST_PASSWORD),
        "wrong password": (ENGINEER, "not the password at all"),
        "locked account": (ROLE_USERS["Manager"], TEST_PASSWORD),
        "deactivated account": (ROLE_USERS["Account Manager"], TEST_PASSWORD),
    }


def test_the_login_form_says_the_same_for_every_refusal(app, client):
    answers = {}
    for case, (email, password) in refusal_cases(app, client).items():
        browser = app.test_client()
        first = login(browser, email, password)
        page = browser.get(first.headers["Location"]).get_data(as_text=True)
        assert INVALID_LOGIN in page, case
        answers[case] = (first.status_code, first.headers["Location"], page.count("alert-"))
    assert len(set(answers.values())) == 1, answers


def test_the_api_login_says_the_same_for_every_refusal(app, client):
    answers = {}
    for case, (email, password) in refusal_cases(app, client).items():
        response = api_login(app.test_client(), email, password)
        answers[case] = (response.status_code, response.get_data(as_text=True))
    assert set(answers.values()) == {(401, '{"message":"Not authorized"}\n')}, answers


def test_every_refused_login_is_in_the_audit_trail(app, client):
    refusal_cases(app, client)
    api_login(client, "nobody@test.example")
    [unknown] = audit_events(app, "login_failure", actor_email="nobody@test.example")
    assert unknown.actor_user_id is None and unknown.changes == {"reason": "unknown account"}
    api_login(client, ROLE_USERS["Manager"])
    manager = user_by_email(app, ROLE_USERS["Manager"])
    reasons = [e.changes["reason"] for e in audit_events(app, "login_failure", actor_user_id=manager.id)]
    assert reasons[-1] == "account locked"


def test_logins_are_in_the_audit_trail_with_their_source(app, client):
    login(client, ENGINEER)
    api_login(app.test_client(), ENGINEER)
    engineer = user_by_email(app, ENGINEER)
    events = audit_events(app, "login_success", actor_user_id=engineer.id)
    assert [event.source.value for event in events] == ["ui", "api"]
    assert all(event.ip == "127.0.0.1" and event.request_id for event in events)


# --- deactivation ----------------------------------------------------------------------------


def test_deactivation_ends_sessions_and_tokens_at_once(app, login_as):
    browser = login_as("Engineer")
    api = app.test_client()
    token = api_token(api, ADMIN)
    admin_browser = login_as("Admin")
    assert is_logged_in(browser)

    update_user(app, ENGINEER, active=False)
    update_user(app, ADMIN, active=False)
    assert not is_logged_in(browser)
    assert not is_logged_in(admin_browser)
    assert api.get(USERS_API, headers=bearer(token)).status_code == 401
    assert api_login(api, ENGINEER).status_code == 401
    assert INVALID_LOGIN in login(app.test_client(), ENGINEER, follow=True).get_data(as_text=True)


def test_an_admin_deactivates_from_the_edit_form(app, admin_client, login_as):
    engineer = login_as("Engineer")
    engineer_id = user_by_email(app, ENGINEER).id
    token = page_token(admin_client, f"/users/edit/{engineer_id}")
    from app.extensions import db

    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Engineer").id
        db.session.remove()
    admin_client.post(
        f"/users/edit/{engineer_id}",
        data={
            "first_name": "Engineer", "last_name": "Tester", "email": ENGINEER,
            "roles": [role_id], "csrf_token": token,
        },
    )
    assert user_by_email(app, ENGINEER).active is False
    assert not is_logged_in(engineer)


# --- hashing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("old_method", ["scrypt", "pbkdf2:sha256:500", "pbkdf2:sha256:600000"])
def test_an_older_hash_is_upgraded_at_the_next_successful_login(app, client, old_method):
    update_user(app, ENGINEER, password=generate_password_hash(TEST_PASSWORD, method=old_method))
    assert api_login(client, ENGINEER, "wrong password here").status_code == 401
    assert user_by_email(app, ENGINEER).password.startswith(old_method.split(":")[0])
    assert api_login(client, ENGINEER).status_code == 200
    stored = user_by_email(app, ENGINEER).password
    assert stored.startswith("$argon2id$")
    assert passwords.hash_method(stored) == app.config["FAB_PASSWORD_HASH_METHOD"]
    assert api_login(client, ENGINEER).status_code == 200


def test_an_unknown_account_costs_a_hash_check_of_the_configured_method(app, client, monkeypatch):
    checked = []
    real_check = passwords.check_hash

    def spy(stored_hash, password):
        checked.append(passwords.hash_method(stored_hash))
        return real_check(stored_hash, password)

    monkeypatch.setattr(passwords, "check_hash", spy)
    assert api_login(client, "nobody@test.example").status_code == 401
    assert checked == [app.config["FAB_PASSWORD_HASH_METHOD"]]


def test_unknown_accounts_and_wrong_passwords_take_the_same_time(app, client, monkeypatch):
    """Medians within 35 % (a skipped hash would differ by ~100 %), with the production hash method."""
    from statistics import median
    from time import perf_counter

    production_method = config_for("production").FAB_PASSWORD_HASH_METHOD
    monkeypatch.setitem(app.config, "FAB_PASSWORD_HASH_METHOD", production_method)
    monkeypatch.setitem(app.config, "MSSP_MAX_FAILED_LOGINS", 100)
    update_user(app, ENGINEER, password=passwords.hash_password(TEST_PASSWORD, production_method))
    timings: dict[str, list[float]] = {"unknown account": [], "wrong password": []}
    api_login(client, "warm-up@test.example")
    for _ in range(7):  # interleaved, so machine load hits both paths alike
        for case, email in (("unknown account", "nobody@test.example"), ("wrong password", ENGINEER)):
            start = perf_counter()
            assert api_login(client, email, "not the password at all").status_code == 401
            timings[case].append(perf_counter() - start)
    unknown, wrong = median(timings["unknown account"]), median(timings["wrong password"])
    assert abs(unknown - wrong) / max(unknown, wrong) < 0.35, timings
    assert min(unknown, wrong) > 0.02, "the production method should cost tens of milliseconds"
