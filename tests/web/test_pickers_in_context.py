"""Issue 17.6, over HTTP as the role that fills the form: pickers know the context.

- A hardware assignment's scope picker lists only the scopes of the client chosen in the
  same form; a contract picker (a contract's predecessor, a transaction's or an SLA result's
  contract) only that client's contracts; the form tells the browser which field narrows it.
- Choosing a service on a scope proposes the catalog's unit, price and currency.
(The keyboard half, cursor in the search field and "EDR" + Enter, is tests/e2e/test_pickers.py.)
"""

from __future__ import annotations

import re

import pytest

from tests.dashboard_data import build_known_data


@pytest.fixture
def world(app, db_connection) -> dict[str, str]:
    from app.extensions import db

    with app.app_context():
        data = build_known_data(db.session)
        data.edr.scope_definition_template = {"version": 1, "unit": "endpoint", "parameters": []}
        data.edr.base_price = 14
        data.edr.currency = "EUR"
        db.session.commit()
        ids = {
            "alpha": str(data.alpha.id),
            "beta": str(data.beta.id),
            "edr": str(data.edr.id),
            "siem": str(data.siem.id),
            "alpha_contract": str(data.alpha_contract.id),
            "beta_contract": str(data.beta_contract.id),
        }
        db.session.remove()
    return ids


def options(browser, url: str) -> list[str]:
    response = browser.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [o["text"] for o in response.get_json()["results"]]


def test_the_scope_picker_of_a_hardware_assignment_lists_the_chosen_clients_scopes(login_as, world):
    engineer = login_as("Engineer")
    everyone = options(engineer, "/hardwareassignmentview/related/service_scope/")
    assert {"Test EDR (Alpha MDR)", "Test SIEM (Beta SIEM)"} <= set(everyone)
    assert options(engineer, f"/hardwareassignmentview/related/service_scope/?client={world['alpha']}") == [
        "Test EDR (Alpha MDR)"
    ]
    assert options(
        engineer, f"/hardwareassignmentview/related/service_scope/?client={world['beta']}&q=test"
    ) == ["Test SIEM (Beta SIEM)"]
    form = engineer.get("/hardwareassignmentview/add").get_data(as_text=True)
    scope_picker = re.search(r'<select[^>]*name="service_scope"[^>]*>', form).group(0)
    assert 'data-context="client"' in scope_picker


def test_contract_pickers_list_the_chosen_clients_contracts(login_as, world):
    account_manager = login_as("Account Manager")
    found = options(account_manager, f"/contractview/related/previous_contract/?client={world['alpha']}")
    assert sorted(found) == ["Alpha 2024", "Alpha MDR"]
    admin = login_as("Admin")
    assert options(admin, f"/transactionview/related/contract/?client={world['beta']}") == ["Beta SIEM"]
    assert options(admin, f"/slametricview/related/contract/?client={world['beta']}") == ["Beta SIEM"]
    # A transaction's scope follows its client and its contract.
    scopes = (
        f"/transactionview/related/service_scope/?client={world['alpha']}&contract={world['beta_contract']}"
    )
    assert options(admin, scopes) == []
    form = admin.get("/transactionview/add").get_data(as_text=True)
    scope_picker = re.search(r'<select[^>]*name="service_scope"[^>]*>', form).group(0)
    assert 'data-context="client,contract"' in scope_picker


def test_a_malformed_context_is_refused_naming_the_field(login_as, world):
    response = login_as("Engineer").get("/hardwareassignmentview/related/service_scope/?client=nope")
    assert response.status_code == 400
    assert response.get_json()["field"] == "client"


def test_search_filters_are_not_narrowed(login_as, world):
    """The list's filter pickers have no form context: they list every row."""
    html = login_as("Engineer").get("/hardwareassignmentview/list/").get_data(as_text=True)
    for picker in re.findall(r"<select[^>]*mssp-relation-picker[^>]*>", html):
        assert 'data-context=""' in picker or "data-context" not in picker


def test_choosing_a_service_proposes_the_catalog_unit_and_price(login_as, world):
    account_manager = login_as("Account Manager")
    terms = account_manager.get(f"/servicescopeview/catalog_terms/?service={world['edr']}").get_json()
    assert terms == {"unit": "endpoint", "price": "14.00", "currency": "EUR"}
    # A template without a unit proposes the price only.
    siem = account_manager.get(f"/servicescopeview/catalog_terms/?service={world['siem']}").get_json()
    assert siem["unit"] is None and siem["price"] == "0.00"
    assert account_manager.get("/servicescopeview/catalog_terms/?service=nope").status_code == 404
    form = account_manager.get("/servicescopeview/add").get_data(as_text=True)
    assert 'data-terms-endpoint="/servicescopeview/catalog_terms/"' in form
