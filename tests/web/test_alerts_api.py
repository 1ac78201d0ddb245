"""/api/v1/alerts/: the caller's own alerts, with a bearer token or the session cookie (+ CSRF)."""

from __future__ import annotations

import pytest

from tests.conftest import ROLE_USERS, csrf_token
from tests.web.auth_helpers import api_token, bearer
from tests.web.test_alerts_screens import EXPECTED, world  # noqa: F401  (the fixture)

ROLES = tuple(ROLE_USERS)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_lists_its_own_alerts(app, world, role):  # noqa: F811
    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS[role]))
    body = browser.get("/api/v1/alerts/", headers=headers).get_json()
    assert body["count"] == body["unread"] == EXPECTED[role]
    assert {item["id"] for item in body["result"]} == set(world["copies"][role])
    count = browser.get("/api/v1/alerts/unread_count", headers=headers).get_json()
    assert count == {"unread": EXPECTED[role]}


def test_items_carry_the_record_path_and_filters_work(app, world):  # noqa: F811
    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Account Manager"]))
    body = browser.get("/api/v1/alerts/?kind=contract_end", headers=headers).get_json()
    (item,) = body["result"]
    assert item["kind"] == "contract_end" and item["level"] == 30
    assert item["record_path"] == f"/contractview/show/{world['contracts']['Account Manager']}"
    assert browser.get("/api/v1/alerts/?kind=bogus", headers=headers).status_code == 400


def test_marking_read_over_the_api(app, world):  # noqa: F811
    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Engineer"]))
    first, _second = world["copies"]["Engineer"]
    assert browser.post(f"/api/v1/alerts/{first}/read", headers=headers).get_json() == {"unread": 1}
    (someone_elses,) = world["copies"]["Admin"]
    assert browser.post(f"/api/v1/alerts/{someone_elses}/read", headers=headers).status_code == 404
    assert browser.post("/api/v1/alerts/read_all", headers=headers).get_json() == {"marked": 1}
    assert browser.get("/api/v1/alerts/?unread=true", headers=headers).get_json()["count"] == 0


def test_anonymous_gets_401(client, world):  # noqa: F811
    assert client.get("/api/v1/alerts/").status_code == 401
    assert client.post("/api/v1/alerts/read_all").status_code in (400, 401)


def test_the_session_cookie_needs_the_csrf_token_to_change_anything(login_as, world):  # noqa: F811
    browser = login_as("Manager")
    assert browser.get("/api/v1/alerts/").get_json()["count"] == 1
    assert browser.post("/api/v1/alerts/read_all").status_code == 400
    token = csrf_token(browser.get("/alerts/").get_data(as_text=True))
    response = browser.post("/api/v1/alerts/read_all", headers={"X-CSRFToken": token})
    assert response.get_json() == {"marked": 1}
