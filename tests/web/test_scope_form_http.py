"""The service scope form: the service's template parameters as real inputs, one message per
parameter, a JSON object stored; the REST API validating `scope_details` the same way."""

from __future__ import annotations

import re
from datetime import date

import pytest
from markupsafe import escape

from app.models.catalog import DeliveryModel, Service, ServiceCategory
from app.models.clients import Client
from app.models.contracts import Contract, ContractStatus, ServiceScope
from tests.conftest import csrf_token
from tests.factories import count
from tests.web.html import form_values
from tests.web.test_rules_http import value_of

TEMPLATE = {
    "parameters": [
        {"name": "retention_days", "label": "Retention (days)", "type": "integer", "min": 30, "max": 2555,
         "required": True},
        {"name": "coverage", "label": "Coverage", "type": "select", "options": ["8x5", "24x7"],
         "default": "8x5"},
        {"name": "ha_pair", "label": "HA pair", "type": "boolean", "default": True},
        {"name": "go_live", "label": "Go-live", "type": "date", "min": "2026-01-01"},
        {"name": "eps", "label": "Events per second", "type": "decimal", "min": 0},
        {"name": "site", "label": "Site", "type": "text", "max": 10, "help_text": "Where it runs"},
        {"name": "feeds", "label": "Feeds", "type": "multi_select", "options": ["syslog", "api", "agent"]},
    ]
}
OTHER_TEMPLATE = {"parameters": [{"name": "tier", "label": "Tier", "type": "select", "options": ["a", "b"]}]}


@pytest.fixture
def world(app, db_connection) -> dict:
    from app.extensions import db

    with app.app_context():
        client = Client(company_name="Scope Form Corp")
        siem = Service(
            name="Scope Form SIEM",
            category=ServiceCategory.SIEM,
            delivery_model=DeliveryModel.FULLY_MANAGED,
            scope_definition_template=TEMPLATE,
        )
        other = Service(
            name="Scope Form Other",
            category=ServiceCategory.SIEM,
            delivery_model=DeliveryModel.FULLY_MANAGED,
            scope_definition_template=OTHER_TEMPLATE,
        )
        contract = Contract(
            client=client,
            contract_name="Scope Form 2026",
            start_date=date(2026, 1, 1),
            end_date=date(2026, 12, 31),
            status=ContractStatus.ACTIVE,
        )
        scope = ServiceScope(contract=contract, service=siem, scope_details={"retention_days": 90})
        db.session.add_all([client, siem, other, contract, scope])
        db.session.commit()
        ids = {"service": str(siem.id), "other": str(other.id), "contract": str(contract.id),
               "scope": str(scope.id)}
        db.session.remove()
    return ids


def inputs(page: str) -> dict[str, str]:
    """Template parameter name -> the tag of its input."""
    pattern = r'(<(?:input|select)[^>]*data-template-parameter="([^"]+)"[^>]*>)'
    return {name: tag for tag, name in re.findall(pattern, page)}


def post_add(browser, world, **parameters):
    page = browser.get("/servicescopeview/add").get_data(as_text=True)
    data = form_values(page)
    data.update(contract=world["contract"], service=world["service"], scope_details=world["service"],
                csrf_token=csrf_token(page), quantity="1", price="10", currency="USD", unit="endpoint",
                saf_status="not_started")
    data.pop("version", None)
    data.update({f"scope_details.{k}": v for k, v in parameters.items()})
    return browser.post("/servicescopeview/add", data=data)


def new_scope_details(app, world):
    from sqlalchemy import select

    from app.extensions import db

    with app.app_context():
        try:
            return db.session.scalars(
                select(ServiceScope.scope_details).where(
                    ServiceScope.contract_id == world["contract"], ServiceScope.id != world["scope"]
                )
            ).all()
        finally:
            db.session.remove()


def test_the_parameters_of_a_service_are_inputs_of_their_type(world, account_manager_client):
    response = account_manager_client.get(f"/servicescopeview/scope_parameters/?service={world['service']}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    found = inputs(page)
    assert set(found) == {p["name"] for p in TEMPLATE["parameters"]}
    assert 'type="number"' in found["retention_days"] and 'min="30"' in found["retention_days"]
    assert 'step="1"' in found["retention_days"] and "required" in found["retention_days"]
    assert 'step="any"' in found["eps"]
    assert 'type="checkbox"' in found["ha_pair"] and "checked" in found["ha_pair"]  # its default
    assert 'type="date"' in found["go_live"] and 'min="2026-01-01"' in found["go_live"]
    assert 'maxlength="10"' in found["site"]
    assert found["coverage"].startswith("<select") and "multiple" in found["feeds"]
    assert 'name="scope_details.retention_days"' in found["retention_days"]
    assert '<option value="8x5" selected>' in page  # the default is chosen
    assert "Retention (days)" in page and "Where it runs" in page
    assert f'<input type="hidden" name="scope_details" value="{world["service"]}">' in page


def test_the_parameters_endpoint_without_or_with_an_unknown_service(world, account_manager_client):
    empty = account_manager_client.get("/servicescopeview/scope_parameters/")
    assert empty.status_code == 200 and "Choose a service" in empty.get_data(as_text=True)
    for key in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        url = f"/servicescopeview/scope_parameters/?service={key}"
        assert account_manager_client.get(url).status_code == 404


def test_the_add_form_has_no_json_box_and_loads_the_script(world, account_manager_client):
    page = account_manager_client.get("/servicescopeview/add").get_data(as_text=True)
    assert 'class="mssp-scope-parameters"' in page and "Choose a service" in page
    assert 'data-endpoint="/servicescopeview/scope_parameters/"' in page
    assert "js/scope_parameters.js" in page
    assert "mssp-json" not in page


def test_valid_parameters_are_stored_as_a_typed_object_with_defaults(app, world, account_manager_client):
    response = post_add(
        account_manager_client, world, retention_days="365", go_live="2026-03-01", eps="2.5", site="FRA",
        feeds=["syslog", "api"],
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert new_scope_details(app, world) == [
        {"retention_days": 365, "coverage": "8x5", "ha_pair": False, "go_live": "2026-03-01", "eps": 2.5,
         "site": "FRA", "feeds": ["syslog", "api"]}
    ]


def test_wrong_parameters_give_one_message_each_and_nothing_is_stored(app, world, account_manager_client):
    response = post_add(
        account_manager_client, world, retention_days="5", coverage="9x9", go_live="2025-12-31",
        eps="lots", site="far too long a name", ha_pair="true",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in (
        "Retention (days) must be at least 30.",
        "Coverage must be one of: 8x5, 24x7.",
        "Go-live must be at least 2026-01-01.",
        "Events per second must be a number.",
        "Site must be at most 10 characters.",
    ):
        assert str(escape(message)) in page, message
    assert page.count("form-group has-error") == 5
    assert new_scope_details(app, world) == []
    # What was typed is shown again, the ticked box still ticked.
    found = inputs(page)
    assert 'value="lots"' in found["eps"] and "checked" in found["ha_pair"]


def test_a_missing_required_parameter_is_named(app, world, account_manager_client):
    page = post_add(account_manager_client, world).get_data(as_text=True)
    assert str(escape("Retention (days) is required.")) in page
    assert new_scope_details(app, world) == []


def test_values_posted_for_another_service_are_not_applied(app, world, account_manager_client):
    page = account_manager_client.get("/servicescopeview/add").get_data(as_text=True)
    data = form_values(page)
    data.update(contract=world["contract"], service=world["other"], scope_details=world["service"],
                csrf_token=csrf_token(page), quantity="1", price="10", currency="USD", unit="endpoint",
                saf_status="not_started")
    data["scope_details.retention_days"] = "90"
    response = account_manager_client.post("/servicescopeview/add", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert new_scope_details(app, world) == [{}]


def test_edit_shows_the_stored_values_and_an_unticked_box_is_false(app, world, account_manager_client):
    url = f"/servicescopeview/edit/{world['scope']}"
    page = account_manager_client.get(url).get_data(as_text=True)
    found = inputs(page)
    assert 'value="90"' in found["retention_days"]
    assert "checked" in found["ha_pair"]  # not stored yet: its default
    data = form_values(page)
    data.pop("scope_details.ha_pair", None)
    data.update({"scope_details.retention_days": "120", "csrf_token": csrf_token(page)})
    response = account_manager_client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = value_of(app, ServiceScope, world["scope"], "scope_details")
    assert stored["retention_days"] == 120 and stored["ha_pair"] is False and stored["coverage"] == "8x5"


def test_the_show_page_lists_the_parameters_by_label(world, account_manager_client):
    page = account_manager_client.get(f"/servicescopeview/show/{world['scope']}").get_data(as_text=True)
    assert "<dt>Retention (days)</dt><dd>90</dd>" in page


def test_the_api_checks_scope_details_the_same_way(app, world, api):  # noqa: F811
    body = {"contract_id": world["contract"], "service_id": world["service"],
            "scope_details": {"retention_days": "x", "coverage": "9x9"}}
    refused = api("post", "/api/v1/service_scope/", body)
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["field"] == "scope_details"
    assert "Retention (days) must be a whole number." in refused.get_json()["message"]
    assert "Coverage must be one of: 8x5, 24x7." in refused.get_json()["message"]
    not_an_object = api("post", "/api/v1/service_scope/", {**body, "scope_details": "retention_days=90"})
    assert not_an_object.status_code == 422 and not_an_object.get_json()["field"] == "scope_details"
    assert count(app, ServiceScope, ServiceScope.contract_id == world["contract"]) == 1

    created = api("post", "/api/v1/service_scope/", {**body, "scope_details": {"retention_days": 60}})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["result"]["scope_details"] == {"retention_days": 60, "coverage": "8x5",
                                                            "ha_pair": True}


def drop_site_from_the_template(app, world) -> None:
    """The scope stores a site; then the service's template loses that parameter."""
    from app.extensions import db

    with app.app_context():
        scope = db.session.get(ServiceScope, world["scope"])
        scope.scope_details = {"retention_days": 90, "site": "FRA"}
        db.session.commit()
        parameters = [p for p in TEMPLATE["parameters"] if p["name"] != "site"]
        scope.service.scope_definition_template = {"parameters": parameters}
        db.session.commit()
        db.session.remove()


def test_a_value_no_longer_in_the_template_is_shown_read_only_and_kept(app, world, account_manager_client):
    drop_site_from_the_template(app, world)
    url = f"/servicescopeview/edit/{world['scope']}"
    page = account_manager_client.get(url).get_data(as_text=True)
    assert "site" not in inputs(page)
    assert "Kept as stored, not in the service template:" in page and "<dt>site</dt><dd>FRA</dd>" in page
    data = form_values(page)
    data.update({"scope_details.retention_days": "120", "csrf_token": csrf_token(page)})
    response = account_manager_client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = value_of(app, ServiceScope, world["scope"], "scope_details")
    assert stored["retention_days"] == 120 and stored["site"] == "FRA"
    shown = account_manager_client.get(f"/servicescopeview/show/{world['scope']}").get_data(as_text=True)
    marked = '<dt>site</dt><dd>FRA <span class="label label-default">not in the service template</span>'
    assert marked in shown


def test_the_api_keeps_a_value_no_longer_in_the_template_sent_back_unchanged(app, world, api):  # noqa: F811
    drop_site_from_the_template(app, world)
    url = f"/api/v1/service_scope/{world['scope']}"
    read = api("get", url, None).get_json()["result"]
    details = {**read["scope_details"], "retention_days": 200}
    saved = api("put", url, {"version": read["version"], "scope_details": details})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["result"]["scope_details"]["site"] == "FRA"
    changed = api("put", url, {"version": saved.get_json()["result"]["version"],
                               "scope_details": {**details, "site": "BER"}})
    assert changed.status_code == 422
    assert "'site' is no longer in the service template" in changed.get_json()["message"]
    new_key = api("put", url, {"version": saved.get_json()["result"]["version"],
                               "scope_details": {**details, "colour": "red"}})
    assert new_key.status_code == 422 and "'colour' is not a parameter" in new_key.get_json()["message"]
    assert value_of(app, ServiceScope, world["scope"], "scope_details")["site"] == "FRA"
