"""Where a person lands after saving a form: the new record, or back where they came from.

Never the home page (FAB's default whenever a form was opened directly, from a bookmark or
another screen), never the deleted record's page, never back into the form just saved.
"""

from __future__ import annotations

import re

import pytest

from app.models.clients import Client
from tests.conftest import csrf_token
from tests.factories import fetch
from tests.web.html import form_values

SHOW_URL = re.compile(r"/clientview/show/([0-9a-f-]{36})$")


def add_client(browser, name: str):
    data = form_values(browser.get("/clientview/add").get_data(as_text=True))
    data.update(company_name=name, status="active", currency="EUR", custom_client_specific_json_data="{}")
    return browser.post("/clientview/add", data=data)


def test_a_new_record_opens_its_own_page_even_when_the_form_was_opened_directly(app, account_manager_client):
    response = add_client(account_manager_client, "Landing Page Ltd")
    assert response.status_code == 302
    match = SHOW_URL.search(response.headers["Location"])
    assert match, f"not the new client's page: {response.headers['Location']}"
    assert fetch(app, Client, match.group(1), "company_name") == ("Landing Page Ltd",)
    page = account_manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Landing Page Ltd" in page and "alert-success" in page


def test_back_from_a_new_record_goes_to_the_list_not_into_the_add_form(account_manager_client):
    browser = account_manager_client
    browser.get("/clientview/list/?_flt_0_company_name=Landing")
    created = add_client(browser, "Landing Back Ltd")
    browser.get(created.headers["Location"])
    back = browser.get("/back")
    assert back.headers["Location"].endswith("/clientview/list/?_flt_0_company_name=Landing")


@pytest.mark.parametrize(
    "came_from",
    ["/clientview/list/?_flt_0_company_name=Assigned", "/clientview/show/{client}", "/dashboards/"],
)
def test_an_edit_returns_to_the_page_it_was_opened_from(world, account_manager_client, came_from):
    browser = account_manager_client
    origin = came_from.format(client=world["client"])
    browser.get(origin)
    url = f"/clientview/edit/{world['client']}"
    data = form_values(browser.get(url).get_data(as_text=True))
    data["contact_name"] = "Edited Person"
    response = browser.post(url, data=data)
    assert response.status_code == 302
    if origin.startswith("/dashboards/"):
        # A page outside the screens keeps no back history: the edited record's page.
        assert response.headers["Location"].endswith(f"/clientview/show/{world['client']}")
    else:
        assert response.headers["Location"].endswith(origin)


def test_an_edit_opened_directly_returns_to_the_record(app, world, account_manager_client):
    url = f"/clientview/edit/{world['client']}"
    data = form_values(account_manager_client.get(url).get_data(as_text=True))
    data["contact_name"] = "Direct Editor"
    response = account_manager_client.post(url, data=data)
    assert response.headers["Location"].endswith(f"/clientview/show/{world['client']}")
    assert fetch(app, Client, world["client"], "contact_name") == ("Direct Editor",)


def test_a_refused_edit_stays_on_the_form_with_the_input(world, account_manager_client):
    url = f"/clientview/edit/{world['client']}"
    data = form_values(account_manager_client.get(url).get_data(as_text=True))
    data.update(company_name="Unassigned Client plc", contact_name="Kept Input")
    response = account_manager_client.post(url, data=data)
    assert response.status_code == 200
    assert 'value="Kept Input"' in response.get_data(as_text=True)


def test_deleting_from_the_record_page_goes_to_the_list_not_to_the_deleted_record(app, world, admin_client):
    admin_client.get("/clientview/list/")
    page = admin_client.get(f"/clientview/show/{world['other_client']}").get_data(as_text=True)
    token = csrf_token(page)
    admin_client.post(f"/transactionview/delete/{world['other_transaction']}", data={"csrf_token": token})
    admin_client.get(f"/clientview/show/{world['other_client']}")
    response = admin_client.post(f"/clientview/delete/{world['other_client']}", data={"csrf_token": token})
    assert response.headers["Location"].endswith("/clientview/list/")
    assert fetch(app, Client, world["other_client"], "company_name") == ()


def test_a_refused_delete_goes_back_to_the_record(world, admin_client):
    token = csrf_token(admin_client.get(f"/clientview/show/{world['client']}").get_data(as_text=True))
    response = admin_client.post(f"/clientview/delete/{world['client']}", data={"csrf_token": token})
    assert response.headers["Location"].endswith(f"/clientview/show/{world['client']}")
    assert "Cannot delete" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
