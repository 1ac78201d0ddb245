"""Contracts on the screens and the API: the Renew action and form, the renewal chain on the
show page, the "ending within N days" shortcuts, and PUT of a contract without predecessor."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.models.catalog import DeliveryModel, Service, ServiceCategory
from app.models.clients import Client
from app.models.contracts import Contract, ContractStatus, ServiceScope
from tests.conftest import csrf_token
from tests.web.html import form_values
from tests.web.test_rules_http import value_of


@pytest.fixture
def world(app, db_connection) -> dict:
    """A renewable contract with a scope, and active/draft contracts ending at various distances."""
    from app.extensions import db

    today = date.today()
    with app.app_context():
        client = Client(company_name="Renewals Corp", currency="EUR")
        service = Service(
            name="Renewals SOC", category=ServiceCategory.SIEM, delivery_model=DeliveryModel.FULLY_MANAGED
        )
        contract = Contract(
            client=client,
            contract_name="Managed SOC 2026",
            start_date=date(2026, 1, 1),
            end_date=date(2026, 12, 31),
            value=Decimal("48000.00"),
            currency="EUR",
            status=ContractStatus.ACTIVE,
        )
        scope = ServiceScope(contract=contract, service=service, price=Decimal("4000.00"), currency="EUR")
        soon = {}
        for days, status in ((10, "active"), (45, "active"), (80, "active"), (200, "active"), (10, "draft")):
            name = f"Ends in {days} ({status})"
            soon[name] = Contract(
                client=client,
                contract_name=name,
                start_date=today - timedelta(days=300),
                end_date=today + timedelta(days=days),
                status=ContractStatus(status),
            )
        db.session.add_all([client, service, contract, scope, *soon.values()])
        db.session.commit()
        ids = {"client": str(client.id), "contract": str(contract.id)}
        db.session.remove()
    return ids


def successors(app, contract_id: str) -> list[Contract]:
    from app.extensions import db

    with app.app_context():
        try:
            found = db.session.scalars(
                select(Contract).where(Contract.previous_contract_id == contract_id)
            ).all()
            for contract in found:
                contract.scope_count = len(contract.scopes)
                db.session.expunge(contract)
            return list(found)
        finally:
            db.session.remove()


def renew(browser, contract_id: str, **changes):
    url = f"/contractview/renew/{contract_id}"
    page = browser.get(url).get_data(as_text=True)
    data = form_values(page)
    data.update(changes, csrf_token=csrf_token(page))
    return browser.post(url, data=data)


def names_listed(page: str) -> set[str]:
    return set(re.findall(r"Ends in \d+ \((?:active|draft)\)", page))


# --- renew --------------------------------------------------------------------------------------


def test_the_renew_form_proposes_the_next_term_with_value_and_currency(world, account_manager_client):
    page = account_manager_client.get(f"/contractview/renew/{world['contract']}").get_data(as_text=True)
    values = form_values(page)
    assert values["contract_name"] == "Managed SOC 2027"
    assert values["end_date"] == "2027-12-31" and values["status"] == "draft"
    assert '<strong class="mssp-renewal-start">2027-01-01</strong>' in page  # not editable
    assert Decimal(values["value"]) == Decimal("48000.00") and values["currency"] == "EUR"


def test_renewing_creates_the_successor_with_edited_terms_and_leaves_the_old_one_running(
    app, world, account_manager_client
):
    response = renew(account_manager_client, world["contract"], value="50000.00", currency="usd")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [successor] = successors(app, world["contract"])
    assert response.headers["Location"].endswith(f"/contractview/show/{successor.id}")
    assert successor.contract_name == "Managed SOC 2027"
    assert (successor.start_date, successor.end_date) == (date(2027, 1, 1), date(2027, 12, 31))
    assert (successor.value, successor.currency) == (Decimal("50000.00"), "USD")
    assert successor.scope_count == 1
    assert value_of(app, Contract, world["contract"], "status") is ContractStatus.ACTIVE

    page = account_manager_client.get(f"/contractview/show/{successor.id}").get_data(as_text=True)
    assert "renewed by" in page and "Renewal chain" in page
    assert f'href="/contractview/show/{world["contract"]}">Managed SOC 2026</a>' in page
    old_page = account_manager_client.get(f"/contractview/show/{world['contract']}").get_data(as_text=True)
    assert f'href="/contractview/show/{successor.id}">Managed SOC 2027</a>' in old_page


def test_a_second_renewal_is_refused_with_a_message(app, world, account_manager_client):
    assert renew(account_manager_client, world["contract"]).status_code == 302
    again = account_manager_client.get(f"/contractview/renew/{world['contract']}", follow_redirects=True)
    message = escape("Contract 'Managed SOC 2026' has already been renewed.")
    assert str(message) in again.get_data(as_text=True)
    page = account_manager_client.get(f"/contractview/show/{world['contract']}").get_data(as_text=True)
    posted = account_manager_client.post(
        f"/contractview/renew/{world['contract']}",
        data={"csrf_token": csrf_token(page), "contract_name": "Twice", "start_date": "2027-01-01",
              "end_date": "2027-12-31", "value": "1", "currency": "EUR"},
    )
    assert posted.status_code == 302
    assert len(successors(app, world["contract"])) == 1


def test_wrong_terms_are_form_errors_and_nothing_changes(app, world, account_manager_client):
    response = renew(
        account_manager_client, world["contract"], end_date="2026-12-31", start_date="2027-01-01"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The end date must be after the start date." in page
    bad_value = renew(account_manager_client, world["contract"], value="lots", currency="EURO")
    assert "A three-letter currency code" in bad_value.get_data(as_text=True)
    assert successors(app, world["contract"]) == []
    assert value_of(app, Contract, world["contract"], "status") is ContractStatus.ACTIVE


def test_the_renew_action_leads_to_the_form_for_one_contract(world, account_manager_client):
    page = account_manager_client.get(f"/contractview/show/{world['contract']}").get_data(as_text=True)
    assert "/contractview/action/renew/" in page  # the show page's button
    token = csrf_token(page)
    one = account_manager_client.post(
        f"/contractview/action/renew/{world['contract']}", data={"csrf_token": token}
    )
    assert one.status_code == 302
    assert one.headers["Location"].endswith(f"/contractview/renew/{world['contract']}")
    listed = account_manager_client.get("/contractview/list/").get_data(as_text=True)
    assert "renew_menu_item" not in listed  # not a mass action: each renewal has its own terms
    ids = re.findall(r'name="rowid" value="([^"]+)"', listed)[:2]
    several = account_manager_client.post(
        "/contractview/action_post",
        data={"csrf_token": token, "action": "renew", "rowid": ids},
        follow_redirects=True,
    )
    assert "Choose one contract to renew" in several.get_data(as_text=True)


def test_a_manager_cannot_renew(app, world, manager_client):
    response = manager_client.get(f"/contractview/renew/{world['contract']}")
    assert response.status_code in (302, 403)
    assert "Managed SOC 2027" not in response.get_data(as_text=True)
    assert successors(app, world["contract"]) == []


def test_a_contract_never_renewed_says_so(world, account_manager_client):
    page = account_manager_client.get(f"/contractview/show/{world['contract']}").get_data(as_text=True)
    assert "Not renewed yet, and renews no contract." in page


# --- ending within N days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (30, {"Ends in 10 (active)"}),
        (60, {"Ends in 10 (active)", "Ends in 45 (active)"}),
        (90, {"Ends in 10 (active)", "Ends in 45 (active)", "Ends in 80 (active)"}),
    ],
)
def test_the_ending_within_shortcuts_filter_the_list(world, account_manager_client, days, expected):
    page = account_manager_client.get("/contractview/list/").get_data(as_text=True)
    assert f'href="/contractview/list/?ending_within={days}"' in page
    assert len(names_listed(page)) == 5
    filtered = account_manager_client.get(f"/contractview/list/?ending_within={days}").get_data(as_text=True)
    assert names_listed(filtered) == expected
    csv = account_manager_client.get(f"/contractview/export/?ending_within={days}").get_data(as_text=True)
    assert names_listed(csv) == expected


def test_a_bad_ending_within_value_shows_everything_with_a_message(world, account_manager_client):
    response = account_manager_client.get("/contractview/list/?ending_within=soon")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ending_within takes a number of days" in page
    assert len(names_listed(page)) == 5


# --- REST ----------------------------------------------------------------------------------------


def test_the_api_lists_contracts_ending_within_n_days(world, api):  # noqa: F811
    response = api("get", "/api/v1/contract/?ending_within=60", None)
    assert response.status_code == 200, response.get_json()
    assert names_listed(" ".join(row["contract_name"] for row in response.get_json()["result"])) == {
        "Ends in 10 (active)",
        "Ends in 45 (active)",
    }
    bad = api("get", "/api/v1/contract/?ending_within=-1", None)
    assert bad.status_code == 400 and "ending_within" in bad.get_json()["message"]


def test_put_round_trips_a_contract_without_predecessor(app, world, api):  # noqa: F811
    read = api("get", f"/api/v1/contract/{world['contract']}", None).get_json()["result"]
    assert read["previous_contract_id"] is None
    body = {k: v for k, v in read.items() if k not in ("id", "created_at", "updated_at", "created_by_id",
                                                       "changed_by_id")}
    body["contract_name"] = "Managed SOC 2026 (amended)"
    response = api("put", f"/api/v1/contract/{world['contract']}", body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["result"]["previous_contract_id"] is None
    assert value_of(app, Contract, world["contract"], "contract_name") == "Managed SOC 2026 (amended)"


def test_the_api_renews_a_contract_once(app, world, api):  # noqa: F811
    url = f"/api/v1/contract/{world['contract']}/renew"
    bad = api("post", url, {"currency": "EURO", "colour": "red"})
    assert bad.status_code == 422, bad.get_json()
    assert successors(app, world["contract"]) == []

    response = api("post", url, {"value": "52000.00", "currency": "usd"})
    assert response.status_code == 201, response.get_json()
    result = response.get_json()["result"]
    assert (result["contract_name"], result["start_date"], result["end_date"]) == (
        "Managed SOC 2027",
        "2027-01-01",
        "2027-12-31",
    )
    assert (result["value"], result["currency"]) == ("52000.00", "USD")
    assert result["previous_contract_id"] == world["contract"]
    assert result["status"] == "draft"
    assert value_of(app, Contract, world["contract"], "status") is ContractStatus.ACTIVE

    again = api("post", url, None)
    assert again.status_code == 422, again.get_json()
    assert again.get_json()["message"] == "Contract 'Managed SOC 2026' has already been renewed."
    assert len(successors(app, world["contract"])) == 1


def test_the_api_renew_needs_the_create_permission(app, world, login_as):
    from tests.conftest import ROLE_USERS
    from tests.web.auth_helpers import api_token, bearer

    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Manager"]))
    response = browser.post(f"/api/v1/contract/{world['contract']}/renew", json={}, headers=headers)
    assert response.status_code == 403
    assert successors(app, world["contract"]) == []
