"""The bell, the list, mark read, preferences and the Admins' settings, over HTTP as each real role."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models.alerts import AlertKind, AlertRecipient
from tests.conftest import ROLE_USERS, csrf_token
from tests.factories import make_contract, make_failing_query, owned_client
from tests.integration.alerts_support import TODAY

ROLES = tuple(ROLE_USERS)
COUNT_RE = re.compile(r'id="alert-count"[^>]*>(\d+)<')


def user_of(session, role: str):
    from app.models.users import MsspUser

    return session.scalars(select(MsspUser).where(MsspUser.email == ROLE_USERS[role])).one()


@pytest.fixture
def world(app, db_connection) -> dict:
    """Alerts for every test user: a client each for the Account Manager and the Engineer (as its
    account manager), one without an owner (the Managers), a failing query (the Admins)."""
    from app.extensions import db
    from app.services.alerts.evaluation import run_alerts

    with app.app_context():
        session = db.session
        contracts = {}
        for role in ("Account Manager", "Engineer"):
            client = owned_client(session, user_of(session, role))
            contracts[role] = make_contract(
                session, client, start_date=date(2029, 6, 1), end_date=TODAY + timedelta(30),
                renewal_date=TODAY + timedelta(7), contract_name=f"{role} contract",
            )
        contracts["Manager"] = make_contract(
            session, owned_client(session), start_date=date(2029, 6, 1), end_date=TODAY + timedelta(7),
            contract_name="Unowned contract",
        )
        query = make_failing_query(session, failures=4)
        run_alerts(TODAY, send_email=False, session=session)
        world = {
            "contracts": {role: c.id for role, c in contracts.items()},
            "query": query.id,
            "copies": {
                role: [
                    str(copy_id) for copy_id in session.scalars(
                        select(AlertRecipient.id).where(AlertRecipient.user_id == user_of(session, role).id)
                    )
                ]
                for role in ROLES
            },
        }
        db.session.remove()
    return world


def bell_count(html: str) -> int:
    match = COUNT_RE.search(html)
    return int(match.group(1)) if match else 0


def post(browser, url: str, data: dict | None = None, page: str = "/alerts/"):
    token = csrf_token(browser.get(page).get_data(as_text=True))
    return browser.post(url, data={"csrf_token": token, **(data or {})})


EXPECTED = {"Admin": 1, "Manager": 1, "Account Manager": 2, "Engineer": 2}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_its_own_bell_and_list(login_as, world, role):
    browser = login_as(role)
    home = browser.get("/").get_data(as_text=True)
    assert bell_count(home) == EXPECTED[role]
    page = browser.get("/alerts/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('data-alert="') == EXPECTED[role]
    for other in ("Account Manager", "Engineer"):
        shown = f"Contract {other} contract of" in html
        assert shown == (other == role), (role, other)


def test_the_list_links_to_each_record(login_as, world):
    html = login_as("Account Manager").get("/alerts/").get_data(as_text=True)
    assert f'href="/contractview/show/{world["contracts"]["Account Manager"]}"' in html
    admin_html = login_as("Admin").get("/alerts/").get_data(as_text=True)
    assert f'href="/datasourcequeryview/show/{world["query"]}"' in admin_html
    assert "failed 4 runs in a row" in admin_html


def test_mark_read_lowers_the_bell_and_only_works_on_ones_own_alerts(login_as, world):
    browser = login_as("Account Manager")
    first, second = world["copies"]["Account Manager"]
    response = post(browser, f"/alerts/{first}/read", {"next": "/alerts/?show=unread"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/alerts/?show=unread")
    assert bell_count(browser.get("/alerts/").get_data(as_text=True)) == 1
    (someone_elses,) = world["copies"]["Manager"]
    assert post(browser, f"/alerts/{someone_elses}/read").status_code == 404
    assert post(browser, "/alerts/read-all", {"next": "https://evil.example/"}).headers["Location"].endswith(
        "/alerts/"
    )
    assert bell_count(browser.get("/alerts/").get_data(as_text=True)) == 0
    assert bell_count(login_as("Manager").get("/alerts/").get_data(as_text=True)) == 1


def test_unread_and_kind_filters(login_as, world):
    browser = login_as("Engineer")
    html = browser.get("/alerts/?kind=contract_renewal").get_data(as_text=True)
    assert html.count('data-alert="') == 1 and "is up for renewal" in html
    assert browser.get("/alerts/?kind=nonsense&page=0").status_code == 200
    post(browser, "/alerts/read-all")
    assert "No alerts unread" in browser.get("/alerts/?show=unread").get_data(as_text=True)


def test_each_person_mutes_kinds_for_themselves(app, login_as, world):
    from app.extensions import db
    from app.services.alerts.settings import muted_kinds

    browser = login_as("Engineer")
    wanted = {f"notify_{kind.value}": "1" for kind in AlertKind if kind is not AlertKind.CONTRACT_END}
    response = post(browser, "/alerts/preferences", wanted, page="/alerts/preferences")
    assert response.status_code == 302
    html = browser.get("/alerts/preferences").get_data(as_text=True)
    assert re.search(r'name="notify_contract_end"[^>]*value="1"\s*>', html)  # not checked
    assert re.search(r'name="notify_contract_renewal"[^>]*value="1"\s*checked', html)
    with app.app_context():
        engineer = user_of(db.session, "Engineer")
        assert muted_kinds(engineer.id) == {AlertKind.CONTRACT_END}
        db.session.remove()


@pytest.mark.parametrize("role", ["Manager", "Account Manager", "Engineer"])
def test_only_admins_open_and_change_the_alert_settings(login_as, world, role):
    browser = login_as(role)
    assert browser.get("/alertsettings/").status_code == 403
    assert post(browser, "/alertsettings/contract_end", {"levels": "1", "enabled": "1"}).status_code == 403
    assert "Lead times (Admin)" not in browser.get("/alerts/").get_data(as_text=True)


def test_admins_set_lead_times_and_see_why_a_value_is_refused(login_as, world):
    browser = login_as("Admin")
    page = browser.get("/alertsettings/")
    assert page.status_code == 200 and 'value="90, 60, 30, 7"' in page.get_data(as_text=True)
    settings = "/alertsettings/"
    saved = post(browser, "/alertsettings/contract_end", {"levels": "120, 30", "enabled": "1"}, settings)
    assert saved.status_code == 302
    assert 'value="120, 30"' in browser.get("/alertsettings/").get_data(as_text=True)
    refused = post(browser, "/alertsettings/contract_end", {"levels": "soon", "enabled": "1"}, settings)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "whole numbers separated by commas" in html and 'value="soon"' in html
    assert post(browser, "/alertsettings/contract_end/reset", page="/alertsettings/").status_code == 302
    assert 'value="90, 60, 30, 7"' in browser.get("/alertsettings/").get_data(as_text=True)
    assert post(browser, "/alertsettings/nonsense", {"levels": "1"}, "/alertsettings/").status_code == 404
    assert "Lead times (Admin)" in browser.get("/alerts/").get_data(as_text=True)


def test_signed_out_there_is_no_bell_and_the_list_asks_to_sign_in(client, world):
    assert "alert-count" not in client.get("/login/").get_data(as_text=True)
    response = client.get("/alerts/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_bell_adds_no_script_and_every_script_carries_the_nonce(login_as, world):
    response = login_as("Account Manager").get("/alerts/")
    html = response.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    bell = html[html.index("mssp-alert-bell") : html.index("</li>", html.index("Alert preferences"))]
    assert "<script" not in bell and not re.search(r"\son[a-z]+\s*=", bell)  # no inline handlers
