"""Personal API tokens (issue 23): created once, stored hashed, scoped, stopped when they must."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import text

from tests.conftest import ROLE_USERS, csrf_token
from tests.web.auth_helpers import api_token as jwt_for
from tests.web.auth_helpers import audit_events, bearer, update_user

TOKENS = "/api/v1/api_token/"
CLIENTS = "/api/v1/client/"


def in_days(days: int) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


def create(client, role: str, **body):
    """A token of the test user holding `role`, created over the API with a JWT: (json, status)."""
    payload = {"name": "ci script", "expires_at": in_days(30), **body}
    response = client.post(TOKENS, json=payload, headers=bearer(jwt_for(client, ROLE_USERS[role])))
    return response.get_json(), response.status_code


def token_of(client, role: str = "Account Manager", **body) -> str:
    data, status = create(client, role, **body)
    assert status == 201, data
    return data["token"]


def test_token_is_shown_once_and_only_its_digest_is_stored(client, db_connection):
    data, status = create(client, "Account Manager", read_only=True)
    assert status == 201
    secret = data["token"]
    assert secret.startswith("mssp_pat_") and len(secret) > 40
    assert data["result"]["token_prefix"] == secret[: len(data["result"]["token_prefix"])]
    listed = client.get(TOKENS, headers=bearer(jwt_for(client, ROLE_USERS["Account Manager"]))).get_json()
    assert listed["count"] == 1 and "token" not in listed["result"][0]
    assert secret not in str(listed)
    row = db_connection.execute(text("SELECT row_to_json(t)::text FROM api_token t")).scalar_one()
    assert secret not in row and secret[len("mssp_pat_"):] not in row
    assert secret[12:] not in row  # not even the part after the shown prefix
    assert client.get(CLIENTS, headers=bearer(secret)).status_code == 200


def test_read_only_token_gets_403_on_writes_and_read_write_passes(client, db_connection):
    somebody = f"{CLIENTS}{uuid.uuid4()}"
    read_only = token_of(client, read_only=True)
    read_write = token_of(client, read_only=False)
    assert client.put(somebody, json={"company_name": "X"}, headers=bearer(read_only)).status_code == 403
    assert client.post(CLIENTS, json={}, headers=bearer(read_only)).status_code == 403
    # The owner (Account Manager) may edit clients: the read-write token reaches the resource.
    assert client.put(somebody, json={"company_name": "X"}, headers=bearer(read_write)).status_code == 404
    assert client.get(CLIENTS, headers=bearer(read_only)).status_code == 200


def test_token_never_exceeds_its_owners_permissions(client, db_connection):
    engineer = token_of(client, "Engineer", read_only=False)
    # Engineers read clients but do not create them.
    assert client.get(CLIENTS, headers=bearer(engineer)).status_code == 200
    assert client.post(CLIENTS, json={"company_name": "Nope"}, headers=bearer(engineer)).status_code == 403
    assert client.get("/api/v1/security/users/", headers=bearer(engineer)).status_code == 403


def test_resource_scope_limits_the_token(client, db_connection):
    contracts_only = token_of(client, resources=["Contract"])
    assert client.get("/api/v1/contract/", headers=bearer(contracts_only)).status_code == 200
    assert client.get(CLIENTS, headers=bearer(contracts_only)).status_code == 403


def test_admin_token_works_on_security_resources(client, db_connection):
    admin = token_of(client, "Admin")
    assert client.get("/api/v1/security/users/", headers=bearer(admin)).status_code == 200
    assert client.get("/api/v1/alerts/", headers=bearer(admin)).status_code == 200


def test_expiry_takes_effect_on_the_next_request(client, db_connection):
    secret = token_of(client)
    assert client.get(CLIENTS, headers=bearer(secret)).status_code == 200
    db_connection.execute(text(
        "UPDATE api_token SET created_at = now() - interval '2 days',"
        " expires_at = now() - interval '1 second'"
    ))
    assert client.get(CLIENTS, headers=bearer(secret)).status_code == 401


def test_revocation_takes_effect_on_the_next_request(client, db_connection):
    data, _ = create(client, "Account Manager")
    secret = data["token"]
    assert client.get(CLIENTS, headers=bearer(secret)).status_code == 200
    jwt = jwt_for(client, ROLE_USERS["Account Manager"])
    revoked = client.delete(f"{TOKENS}{data['id']}", headers=bearer(jwt))
    assert revoked.status_code == 200 and revoked.get_json()["result"]["state"] == "revoked"
    assert client.get(CLIENTS, headers=bearer(secret)).status_code == 401


@pytest.mark.parametrize("change", [{"is_locked": True}, {"active": False}])
def test_locked_or_deactivated_owner_stops_the_token(app, client, db_connection, change):
    secret = token_of(client)
    assert client.get(CLIENTS, headers=bearer(secret)).status_code == 200
    if change.get("is_locked"):
        change = {**change, "locked_at": dt.datetime.now(dt.UTC)}
    update_user(app, ROLE_USERS["Account Manager"], **change)
    assert client.get(CLIENTS, headers=bearer(secret)).status_code == 401
    refused = audit_events(app, "api_token_refused")
    assert refused and refused[-1].actor_email == ROLE_USERS["Account Manager"]


def test_owner_losing_the_role_loses_it_for_the_token(app, client, db_connection):
    secret = token_of(client)
    assert client.get(CLIENTS, headers=bearer(secret)).status_code == 200
    update_user(app, ROLE_USERS["Account Manager"], roles=[])
    assert client.get(CLIENTS, headers=bearer(secret)).status_code == 403


def test_use_is_recorded_and_audited(app, client, db_connection):
    data, _ = create(client, "Engineer")
    client.get(CLIENTS, headers=bearer(data["token"]), environ_base={"REMOTE_ADDR": "192.0.2.7"})
    row = db_connection.execute(text("SELECT last_used_at, host(last_used_ip) FROM api_token")).one()
    assert row[0] is not None and row[1] == "192.0.2.7"
    used = audit_events(app, "api_token_used")
    assert used and used[-1].actor_email == ROLE_USERS["Engineer"] and used[-1].entity_id == data["id"]
    client.get(CLIENTS, headers=bearer("mssp_pat_" + "x" * 43))
    assert audit_events(app, "api_token_refused")[-1].changes == {"reason": "unknown api token"}


def test_rate_limited_per_token(app, client, db_connection, monkeypatch):
    monkeypatch.setitem(app.config, "MSSP_API_TOKEN_RATE_LIMIT", "3 per minute")
    first, second = token_of(client), token_of(client)
    codes = [client.get(CLIENTS, headers=bearer(first)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get(CLIENTS, headers=bearer(first))
    assert int(limited.headers["Retry-After"]) >= 1
    assert client.get(CLIENTS, headers=bearer(second)).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expires_at": in_days(400)}, "expires_at"),
        ({"expires_at": in_days(-1)}, "expires_at"),
        ({"expires_at": "next tuesday"}, "expires_at"),
        ({"name": " "}, "name"),
        ({"read_only": "yes"}, "read_only"),
        ({"resources": ["NoSuchThing"]}, "resources"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_token_requests_name_the_field(client, db_connection, body, field):
    data, status = create(client, "Engineer", **body)
    assert status == 422 and data["field"] == field, data


def test_a_token_cannot_create_tokens(client, db_connection):
    secret = token_of(client, read_only=False, resources=None)
    response = client.post(TOKENS, json={"name": "child", "expires_at": in_days(1)}, headers=bearer(secret))
    assert response.status_code == 403


def test_admins_see_and_revoke_everyones_tokens_others_only_their_own(client, db_connection):
    engineer_token, _ = create(client, "Engineer")
    create(client, "Manager")
    admin_jwt = jwt_for(client, ROLE_USERS["Admin"])
    manager_jwt = jwt_for(client, ROLE_USERS["Manager"])
    assert client.get(TOKENS, headers=bearer(admin_jwt)).get_json()["count"] == 2
    mine = client.get(TOKENS, headers=bearer(manager_jwt)).get_json()
    assert [t["owner"] for t in mine["result"]] == [ROLE_USERS["Manager"]]
    assert client.delete(f"{TOKENS}{engineer_token['id']}", headers=bearer(manager_jwt)).status_code == 404
    assert client.delete(f"{TOKENS}{engineer_token['id']}", headers=bearer(admin_jwt)).status_code == 200
    assert client.get(CLIENTS, headers=bearer(engineer_token["token"])).status_code == 401


def test_profile_screen_creates_shows_once_lists_and_revokes(login_as, client, db_connection):
    browser = login_as("Engineer")
    page = browser.get("/apitokens/").get_data(as_text=True)
    assert "My API tokens" in page and "No tokens." in page
    created = browser.post("/apitokens/create", data={
        "csrf_token": csrf_token(page), "name": "grafana export", "expires_on": in_days(30)[:10],
        "access": "read", "resources": ["Client"],
    })
    assert created.status_code == 201
    body = created.get_data(as_text=True)
    secret = body.split('<pre class="mssp-token-secret">')[1].split("</pre>")[0]
    assert secret.startswith("mssp_pat_")
    listing = browser.get("/apitokens/").get_data(as_text=True)
    assert "grafana export" in listing and secret not in listing and "read-only" in listing
    assert client.get(CLIENTS, headers=bearer(secret)).status_code == 200
    token_id = db_connection.execute(text("SELECT id FROM api_token")).scalar_one()
    revoked = browser.post(f"/apitokens/revoke/{token_id}", data={"csrf_token": csrf_token(listing)})
    assert revoked.status_code == 302
    assert client.get(CLIENTS, headers=bearer(secret)).status_code == 401


def test_profile_screen_refuses_a_expiry_beyond_a_year(login_as, db_connection):
    browser = login_as("Manager")
    page = browser.get("/apitokens/").get_data(as_text=True)
    refused = browser.post("/apitokens/create", data={
        "csrf_token": csrf_token(page), "name": "too long", "expires_on": in_days(400)[:10],
    })
    assert refused.status_code == 422 and "at most one year" in refused.get_data(as_text=True)


def test_admin_screen_lists_everyones_tokens_for_admins_only(login_as, client, db_connection):
    create(client, "Engineer", name="engineer script")
    admin_page = login_as("Admin").get("/apitokenadmin/")
    assert admin_page.status_code == 200
    text_ = admin_page.get_data(as_text=True)
    assert "engineer script" in text_ and ROLE_USERS["Engineer"] in text_
    assert login_as("Manager").get("/apitokenadmin/").status_code in (302, 403)
