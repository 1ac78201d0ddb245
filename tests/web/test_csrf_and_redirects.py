"""CSRF on every state change (deletes and mass actions included, never by GET), no open
redirect through `next`, no spoofed Host header."""

from __future__ import annotations

import pytest

from tests.conftest import ROLE_USERS, TEST_PASSWORD, csrf_token
from tests.web.auth_helpers import api_token, audit_events, bearer, page_token, user_by_email

ENGINEER = ROLE_USERS["Engineer"]


def engineer_exists(app) -> bool:
    return user_by_email(app, ENGINEER) is not None


# --- CSRF -------------------------------------------------------------------------------


def test_a_delete_without_the_csrf_token_is_refused(app, admin_client):
    engineer_id = user_by_email(app, ENGINEER).id
    response = admin_client.post(f"/users/delete/{engineer_id}")
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert engineer_exists(app)


def test_a_delete_by_get_is_refused_even_for_an_admin(app, admin_client):
    engineer_id = user_by_email(app, ENGINEER).id
    response = admin_client.get(f"/users/delete/{engineer_id}")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert engineer_exists(app)


@pytest.mark.parametrize("url", ["/roles/delete/1", "/groups/delete/1", "/users/action/unlock/1"])
def test_get_is_refused_on_every_delete_and_action_route(admin_client, url):
    assert admin_client.get(url).status_code == 405


def test_every_delete_and_action_route_is_covered(app):
    """New ModelViews are covered automatically: the guard matches the route shape."""
    from app.security.request_guards import UNSAFE_ON_GET

    guarded = [rule for rule in app.url_map.iter_rules() if any(s in rule.rule for s in UNSAFE_ON_GET)]
    assert any(rule.endpoint.endswith(".delete") for rule in guarded)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith((".delete", ".action")) and "GET" in rule.methods:
            assert rule in guarded, rule.rule


def test_a_mass_action_without_the_csrf_token_is_refused(app, admin_client):
    engineer_id = user_by_email(app, ENGINEER).id
    response = admin_client.post("/users/action_post", data={"action": "unlock", "rowid": [engineer_id]})
    assert response.status_code == 400


def test_a_delete_with_the_token_works(app, admin_client):
    engineer_id = user_by_email(app, ENGINEER).id
    token = page_token(admin_client, "/users/list/")
    admin_client.post(f"/users/delete/{engineer_id}", data={"csrf_token": token})
    assert not engineer_exists(app)
    # Audit events keep naming the deleted person.
    assert all(event.actor_user_id is None for event in audit_events(app, actor_email=ENGINEER))


def test_an_api_write_riding_on_the_session_cookie_needs_the_csrf_token(app, admin_client):
    payload = {"first_name": "Cross", "last_name": "Site", "email": "cross.site@test.example",
               "password": "violet kettle marble", "roles": [1]}
    refused = admin_client.post("/api/v1/security/users/", json=payload)
    assert refused.status_code == 400
    assert user_by_email(app, "cross.site@test.example") is None
    # An API client with a token is not a browser: no CSRF token needed.
    api = app.test_client()
    admin_token = api_token(api, ROLE_USERS["Admin"])
    accepted = api.post("/api/v1/security/users/", json=payload, headers=bearer(admin_token))
    assert accepted.status_code == 201, accepted.get_json()


# --- open redirects ------------------------------------------------------------------------


def login_with_next(app, next_url: str):
    browser = app.test_client()
    page = browser.get("/login/").get_data(as_text=True)
    return browser.post(
        "/login/",
        query_string={"next": next_url},
        data={"username": ENGINEER, "password": TEST_PASSWORD, "csrf_token": csrf_token(page)},
    )


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "https://evil.example/",
        "http:evil.example",
        "/\t/evil.example",
        "//localhost@evil.example/",
        "javascript:alert(1)",
        "http://localhost//evil.example/",
    ],
)
def test_next_cannot_send_the_browser_to_another_site(app, db_connection, next_url):
    response = login_with_next(app, next_url)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and "javascript" not in location
    assert location == "/"


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/users/userinfo/", "/users/userinfo/"),
        ("http://localhost/users/userinfo/?a=1", "/users/userinfo/?a=1"),
    ],
)
def test_next_within_the_site_is_followed(app, db_connection, next_url, expected):
    assert login_with_next(app, next_url).headers["Location"] == expected


def test_a_refused_login_keeps_only_a_safe_next(app, db_connection):
    browser = app.test_client()
    page = browser.get("/login/").get_data(as_text=True)
    response = browser.post(
        "/login/",
        query_string={"next": "//evil.example/"},
        data={"username": ENGINEER, "password": "not the password at all", "csrf_token": csrf_token(page)},
    )
    assert "evil" not in response.headers["Location"]


def test_a_spoofed_host_header_is_refused(client):
    assert client.get("/login/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login/", headers={"Host": "localhost:8080"}).status_code == 200
    assert client.get("/login/", headers={"Host": "127.0.0.1:8080"}).status_code == 200


def test_a_permission_denial_is_recorded(app, login_as):
    manager = login_as("Manager")
    assert manager.get("/users/list/").status_code == 403
    manager_user = user_by_email(app, ROLE_USERS["Manager"])
    [denied] = audit_events(app, "permission_denied", actor_user_id=manager_user.id)
    assert denied.changes["path"] == "/users/list/"
    assert denied.ip == "127.0.0.1" and denied.source.value == "ui"


def test_an_api_permission_denial_is_recorded(app, client):
    token = api_token(client, ENGINEER)
    assert client.get("/api/v1/security/users/", headers=bearer(token)).status_code == 403
    engineer = user_by_email(app, ENGINEER)
    [denied] = audit_events(app, "permission_denied", actor_user_id=engineer.id)
    assert denied.source.value == "api" and denied.changes["method"] == "GET"
