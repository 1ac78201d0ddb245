"""Single sign-on against a local fake OpenID provider (issue 23): discovery, code flow with
PKCE, state and nonce, JWKS with two keys and a rotation, group -> role mapping every login."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import ROLE_USERS, TEST_PASSWORD, csrf_token, login
from tests.fakes.oidc import CLIENT_ID, CLIENT_SECRET, FakeOidcProvider, Person, new_key
from tests.web.auth_helpers import audit_events, user_by_email

ROLE_MAP = {"soc-managers": "Manager", "soc-engineers": ["Engineer"], "mssp-admins": "Admin"}


@pytest.fixture(scope="module")
def provider():
    fake = FakeOidcProvider()
    yield fake
    fake.close()


def sso_settings(provider, **extra):
    return {
        "MSSP_OIDC_ISSUER": provider.issuer,
        "MSSP_OIDC_CLIENT_ID": CLIENT_ID,
        "MSSP_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "MSSP_OIDC_ROLE_MAP": ROLE_MAP,
        **extra,
    }


@pytest.fixture(scope="module")
def sso_app(app, provider):
    from app import create_app

    return create_app(sso_settings(provider))


@pytest.fixture(scope="module")
def sso_only_app(app, provider):
    """AUTH_TYPE=oidc: passwords only for the break-glass admin."""
    from app import create_app

    return create_app(sso_settings(provider, MSSP_SSO_ONLY=True))


@pytest.fixture
def browser(sso_app, db_connection, provider):
    provider.next_person = Person()
    provider.tamper = {}
    return sso_app.test_client()


def start(browser, next_path: str | None = None) -> str:
    """Open /sso/login; the provider signs the person in; answer the callback URL."""
    response = browser.get("/sso/login" + (f"?next={next_path}" if next_path else ""))
    assert response.status_code == 302, response.get_data(as_text=True)
    authorized = requests.get(response.headers["Location"], allow_redirects=False, timeout=5)
    assert authorized.status_code == 302, authorized.text
    callback = urlsplit(authorized.headers["Location"])
    return f"{callback.path}?{callback.query}"


def sso_login(browser, next_path: str | None = None):
    return browser.get(start(browser, next_path))


def signed_in(browser) -> bool:
    return browser.get("/users/userinfo/").status_code == 200


def roles_of(app, email: str) -> list[str]:
    with app.app_context():
        user = app.appbuilder.sm.find_user(email=email)
        return sorted(role.name for role in user.roles) if user else []


def test_good_login_creates_the_account_with_mapped_roles(sso_app, browser, provider):
    response = sso_login(browser, next_path="/clients/list/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/clients/list/")
    assert signed_in(browser)
    user = user_by_email(sso_app, "alice@corp.example")
    assert user.auth_provider.value == "oidc" and user.oidc_subject == "sub-alice"
    assert roles_of(sso_app, "alice@corp.example") == ["Manager"]
    authorize = provider.requests_to("/authorize")[-1].query
    assert authorize["code_challenge_method"] == "S256" and authorize["nonce"] and authorize["state"]
    assert audit_events(sso_app, "login_success", actor_email="alice@corp.example")


def test_group_removed_means_role_removed_at_next_login(sso_app, browser, provider):
    provider.next_person = Person(groups=["soc-managers", "soc-engineers"])
    sso_login(browser)
    assert roles_of(sso_app, "alice@corp.example") == ["Engineer", "Manager"]
    second = sso_app.test_client()
    provider.next_person = Person(groups=["soc-engineers", "unmapped"])
    sso_login(second)
    assert roles_of(sso_app, "alice@corp.example") == ["Engineer"]


def test_no_mapped_group_is_refused_with_a_clear_page(sso_app, browser, provider):
    provider.next_person = Person(groups=["canteen"])
    response = sso_login(browser)
    assert response.status_code == 403
    assert "none of your groups gives access" in response.get_data(as_text=True)
    assert not signed_in(browser)
    assert user_by_email(sso_app, "alice@corp.example") is None


def test_existing_person_losing_every_group_loses_every_role(sso_app, browser, provider):
    sso_login(browser)
    provider.next_person = Person(groups=[])
    assert sso_login(sso_app.test_client()).status_code == 403
    assert roles_of(sso_app, "alice@corp.example") == []


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda p: {"key": new_key(p.signing_kid)}, id="bad-signature"),
        pytest.param(lambda p: {"key": new_key("unpublished")}, id="unknown-key"),
        pytest.param(lambda p: {"aud": "some-other-client"}, id="wrong-audience"),
        pytest.param(lambda p: {"exp": int(time.time()) - 600}, id="expired"),
        pytest.param(lambda p: {"nonce": "not-the-nonce-we-sent"}, id="wrong-nonce"),
    ],
)
def test_bad_id_tokens_are_refused(sso_app, browser, provider, tamper):
    provider.tamper = tamper(provider)
    response = sso_login(browser)
    assert response.status_code == 401
    assert "Single sign-on failed" in response.get_data(as_text=True)
    assert not signed_in(browser)
    assert user_by_email(sso_app, "alice@corp.example") is None
    assert audit_events(sso_app, "login_failure")[-1].changes["reason"].startswith("single sign-on failed")


def test_a_replayed_state_is_refused(sso_app, browser):
    callback = start(browser)
    assert browser.get(callback).status_code == 302
    assert browser.get(callback).status_code == 401  # same browser, state used up
    assert sso_app.test_client().get(callback).status_code == 401  # another browser, no state


def test_key_rotation_is_followed_without_restart(sso_app, browser, provider):
    assert sso_login(browser).status_code == 302
    fetched = len(provider.requests_to("/jwks"))
    provider.rotate()
    assert sso_login(sso_app.test_client()).status_code == 302
    assert len(provider.requests_to("/jwks")) == fetched + 1


def test_unverified_email_is_refused(browser, provider):
    provider.next_person = Person(email_verified=False)
    response = sso_login(browser)
    assert response.status_code == 403 and "not verified" in response.get_data(as_text=True)


def test_locked_sso_account_is_refused(sso_app, browser, provider):
    import datetime as dt

    from tests.web.auth_helpers import update_user

    sso_login(browser)
    update_user(sso_app, "alice@corp.example", is_locked=True, locked_at=dt.datetime.now(dt.UTC))
    assert not signed_in(browser)  # the open session ends with the lock
    assert sso_login(sso_app.test_client()).status_code == 403


def test_sso_session_obeys_the_idle_limit(sso_app, browser):
    sso_login(browser)
    assert signed_in(browser)
    with browser.session_transaction() as session:
        session["mssp_seen_at"] -= sso_app.config["MSSP_SESSION_IDLE_MINUTES"] * 60 + 5
    assert not signed_in(browser)


def test_logout_ends_the_session_and_offers_the_providers_end_session(browser, provider):
    sso_login(browser)
    page = browser.get("/logout/").get_data(as_text=True)
    cookie = browser.get_cookie("session")
    response = browser.post("/logout/", data={"csrf_token": csrf_token(page)})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and f"{provider.url}/logout" in body
    link = next(part for part in body.split('"') if part.startswith(f"{provider.url}/logout"))
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID] and query["id_token_hint"]
    assert not signed_in(browser)
    # A copy of the old cookie does not come back to life.
    replay = browser.application.test_client()
    replay.set_cookie(cookie.key, cookie.value)
    assert not signed_in(replay)


def test_sso_only_keeps_password_login_for_break_glass_admins(sso_only_app, db_connection):
    login_page = sso_only_app.test_client().get("/login/").get_data(as_text=True)
    assert "/sso/login" in login_page
    admin = sso_only_app.test_client()
    assert login(admin, ROLE_USERS["Admin"]).headers["Location"].endswith("/")
    assert signed_in(admin)
    engineer = sso_only_app.test_client()
    response = login(engineer, ROLE_USERS["Engineer"], TEST_PASSWORD)
    assert "/login" in response.headers["Location"] and not signed_in(engineer)
    reason = audit_events(sso_only_app, "login_failure")[-1].changes["reason"]
    assert "break-glass" in reason


def test_provider_down_refuses_sso_but_not_the_break_glass_admin(app, db_connection):
    from app import create_app

    dead = create_app({
        "MSSP_OIDC_ISSUER": "http://127.0.0.1:9", "MSSP_OIDC_CLIENT_ID": CLIENT_ID,
        "MSSP_OIDC_CLIENT_SECRET": CLIENT_SECRET, "MSSP_OIDC_ROLE_MAP": ROLE_MAP,
        "MSSP_SSO_ONLY": True, "MSSP_OIDC_TIMEOUT_SECONDS": 1,
    })
    browser = dead.test_client()
    response = browser.get("/sso/login")
    assert response.status_code == 503 and "cannot be reached" in response.get_data(as_text=True)
    assert login(browser, ROLE_USERS["Admin"]).status_code == 302
    assert signed_in(browser)
