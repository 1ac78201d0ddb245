"""Bad input through the screens never gives a 500: it gives a message where it belongs,
keeps what the person typed, and leaves the data unchanged."""

from __future__ import annotations

import uuid

import pytest
from markupsafe import escape

from app.models.clients import Client, ClientStatus
from app.models.contracts import Contract, ContractStatus
from app.models.team import ClientTeamAssignment
from tests.conftest import ROLE_USERS, csrf_token
from tests.factories import count, fetch
from tests.web.html import field_error, form_values

# --- a duplicate unique value is an error on its field, the input kept ---------------------


def test_duplicate_company_name_is_a_field_error_and_the_input_is_kept(app, world, account_manager_client):
    browser = account_manager_client
    page = browser.get("/clientview/add").get_data(as_text=True)
    data = form_values(page)
    data.update(
        company_name="Assigned Client Ltd",
        contact_name="Typed By Hand",
        status="active",
        currency="USD",
        custom_client_specific_json_data="{}",
    )
    response = browser.post("/clientview/add", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_error(html, "company_name") == "A client with this company already exists."
    assert 'value="Typed By Hand"' in html
    assert count(app, Client, Client.company_name == "Assigned Client Ltd") == 1


def test_duplicate_composite_key_from_the_database_lands_on_a_field(app, world, admin_client):
    """No form validator knows this unique key: the IntegrityError is read and mapped."""
    engineer_id = app_user_id(app, "Engineer")
    page = admin_client.get("/teamassignmentview/add").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(page),
        "client": world["client"],
        "user": str(engineer_id),
        "assignment_role": "engineer",
    }
    assert admin_client.post("/teamassignmentview/add", data=data).status_code == 302
    again = admin_client.post("/teamassignmentview/add", data=data)
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert "already exists" in field_error(html, "assignment_role")
    # The picker still shows the chosen client by name.
    assert "Assigned Client Ltd" in html
    assert count(app, ClientTeamAssignment, ClientTeamAssignment.user_id == engineer_id) == 1


def app_user_id(app, role: str) -> int:
    with app.app_context():
        return app.appbuilder.sm.find_user(email=ROLE_USERS[role]).id


# --- a delete blocked by RESTRICT says what still references the record --------------------


def test_deleting_a_referenced_client_says_what_references_it(app, world, admin_client):
    token = csrf_token(admin_client.get(f"/clientview/show/{world['client']}").get_data(as_text=True))
    response = admin_client.post(
        f"/clientview/delete/{world['client']}", data={"csrf_token": token}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Cannot delete: still referenced by" in html
    assert "1 contract" in html
    assert fetch(app, Client, world["client"], "company_name") == ("Assigned Client Ltd",)


def test_deleting_a_signed_contract_is_refused_by_the_rule(app, world, admin_client):
    token = csrf_token(admin_client.get(f"/contractview/show/{world['contract']}").get_data(as_text=True))
    response = admin_client.post(
        f"/contractview/delete/{world['contract']}", data={"csrf_token": token}, follow_redirects=True
    )
    assert "only a draft can be deleted" in response.get_data(as_text=True)
    assert fetch(app, Contract, world["contract"], "status") == (ContractStatus.ACTIVE,)


def test_deleting_an_unreferenced_client_works(app, world, admin_client):
    token = csrf_token(admin_client.get(f"/clientview/show/{world['other_client']}").get_data(as_text=True))
    # Its one transaction still points at it: remove that first.
    response = admin_client.post(
        f"/transactionview/delete/{world['other_transaction']}", data={"csrf_token": token}
    )
    assert response.status_code == 302
    response = admin_client.post(f"/clientview/delete/{world['other_client']}", data={"csrf_token": token})
    assert response.status_code == 302
    assert fetch(app, Client, world["other_client"], "company_name") == ()


# --- malformed and unknown ids are 404 -----------------------------------------------------


@pytest.mark.parametrize("key", ["not-a-uuid", "12345", "'; drop table clients; --", str(uuid.uuid4())])
@pytest.mark.parametrize("path", ["/clientview/show/{}", "/clientview/edit/{}", "/transactionview/show/{}"])
def test_bad_ids_in_urls_are_404(admin_client, world, key, path):
    assert admin_client.get(path.format(key)).status_code == 404


def test_bad_ids_on_delete_and_actions_are_404(admin_client, world):
    token = csrf_token(admin_client.get("/clientview/add").get_data(as_text=True))
    assert admin_client.post("/clientview/delete/nope", data={"csrf_token": token}).status_code == 404
    assert admin_client.post("/clientview/action/archive/nope", data={"csrf_token": token}).status_code == 404
    assert (
        admin_client.post("/clientview/action/no_such_action/nope", data={"csrf_token": token}).status_code
        == 404
    )


def test_a_bad_relation_filter_or_page_argument_is_not_a_500(admin_client, world):
    for query in (
        "_flt_0_client=not-a-uuid",
        "_flt_0_start_date=yesterday",
        "_flt_0_status=no-such-status",
        "page_ContractView=abc",
        "page_ContractView=-3",
        "psize_ContractView=100000",
        "_oc_ContractView=no_such_column&_od_ContractView=asc",
        "_oc_ContractView=client&_od_ContractView=desc",
    ):
        response = admin_client.get(f"/contractview/list/?{query}")
        assert response.status_code == 200, query


def test_an_invalid_filter_value_is_explained(admin_client, world):
    html = admin_client.get("/contractview/list/?_flt_0_status=no-such-status").get_data(as_text=True)
    assert "A filter value does not fit its column" in html


# --- JSON editor -----------------------------------------------------------------------------


def test_invalid_json_is_reported_on_the_field_and_nothing_is_saved(app, world, admin_client):
    url = f"/clientview/edit/{world['client']}"
    data = form_values(admin_client.get(url).get_data(as_text=True))
    data["custom_client_specific_json_data"] = '{"tier": "gold",'
    response = admin_client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Invalid JSON" in field_error(html, "custom_client_specific_json_data")
    # What was typed is shown again for correction.
    assert escape('{"tier": "gold",') in html
    assert fetch(app, Client, world["client"], "custom_client_specific_json_data") == ({},)


def test_json_that_is_not_an_object_is_refused(app, world, admin_client):
    url = f"/clientview/edit/{world['client']}"
    data = form_values(admin_client.get(url).get_data(as_text=True))
    data["custom_client_specific_json_data"] = '"just a string"'
    html = admin_client.post(url, data=data).get_data(as_text=True)
    assert "expected an object" in field_error(html, "custom_client_specific_json_data")


def test_valid_json_is_stored_as_an_object(app, world, admin_client):
    url = f"/clientview/edit/{world['client']}"
    data = form_values(admin_client.get(url).get_data(as_text=True))
    data["custom_client_specific_json_data"] = '{"tier": "gold", "sites": [1, 2]}'
    assert admin_client.post(url, data=data).status_code == 302
    (stored,) = fetch(app, Client, world["client"], "custom_client_specific_json_data")
    assert stored == {"tier": "gold", "sites": [1, 2]}
    page = admin_client.get(url).get_data(as_text=True)
    assert escape('"tier": "gold"') in page


# --- two people editing one record -----------------------------------------------------------


def test_a_stale_form_is_refused_and_the_first_change_kept(app, world, admin_client, login_as):
    url = f"/clientview/edit/{world['client']}"
    first = login_as("Account Manager")
    mine = form_values(admin_client.get(url).get_data(as_text=True))
    theirs = form_values(first.get(url).get_data(as_text=True))
    assert mine["version"] == theirs["version"] == "1"

    theirs["contact_name"] = "First Writer"
    assert first.post(url, data=theirs).status_code == 302

    mine["contact_name"] = "Second Writer"
    response = admin_client.post(url, data=mine)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else changed this record" in html
    assert fetch(app, Client, world["client"], "contact_name", "version") == ("First Writer", 2)
    # Submitting the same stale form again is refused again.
    assert "Someone else changed this record" in admin_client.post(url, data=mine).get_data(as_text=True)
    assert fetch(app, Client, world["client"], "contact_name") == ("First Writer",)


def test_a_fresh_form_saves_and_bumps_the_version(app, world, admin_client):
    url = f"/clientview/edit/{world['client']}"
    data = form_values(admin_client.get(url).get_data(as_text=True))
    data["contact_name"] = "Only Writer"
    assert admin_client.post(url, data=data).status_code == 302
    assert fetch(app, Client, world["client"], "contact_name", "version") == ("Only Writer", 2)


# --- lifecycle actions -----------------------------------------------------------------------


def test_archive_is_an_action_with_confirmation(app, world, account_manager_client):
    browser = account_manager_client
    html = browser.get("/clientview/list/").get_data(as_text=True)
    assert "Archive the selected client(s)?" in html
    token = csrf_token(html)
    response = browser.post(
        "/clientview/action_post",
        data={"csrf_token": token, "action": "archive", "rowid": [world["other_client"]]},
    )
    assert response.status_code == 302
    assert fetch(app, Client, world["other_client"], "status") == (ClientStatus.ARCHIVED,)


def test_archive_is_refused_while_a_contract_is_active(app, world, admin_client):
    token = csrf_token(admin_client.get(f"/clientview/show/{world['client']}").get_data(as_text=True))
    response = admin_client.post(
        f"/clientview/action/archive/{world['client']}", data={"csrf_token": token}, follow_redirects=True
    )
    assert "still has 1 active contract(s)" in response.get_data(as_text=True)
    assert fetch(app, Client, world["client"], "status") == (ClientStatus.ACTIVE,)


def test_terminate_contract_from_its_page(app, world, account_manager_client):
    browser = account_manager_client
    page = browser.get(f"/contractview/show/{world['contract']}").get_data(as_text=True)
    assert "Terminate the selected contract(s)?" in page
    response = browser.post(
        f"/contractview/action/terminate/{world['contract']}", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    assert fetch(app, Contract, world["contract"], "status") == (ContractStatus.TERMINATED,)


def test_actions_need_the_edit_permission(app, world, manager_client):
    page = manager_client.get(f"/contractview/show/{world['contract']}").get_data(as_text=True)
    assert "Terminate" not in page
    response = manager_client.post(
        f"/contractview/action/terminate/{world['contract']}",
        data={"csrf_token": csrf_token(manager_client.get("/resetmypassword/form").get_data(as_text=True))},
    )
    assert response.status_code == 403
    assert fetch(app, Contract, world["contract"], "status") == (ContractStatus.ACTIVE,)


def test_actions_by_get_are_refused(app, world, admin_client):
    response = admin_client.get(f"/contractview/action/terminate/{world['contract']}")
    assert response.status_code in (302, 405)
    assert fetch(app, Contract, world["contract"], "status") == (ContractStatus.ACTIVE,)
