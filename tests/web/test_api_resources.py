"""The REST API: UUID routes, 422 with the field for every client mistake, 404, 409 on a stale
version, relations by id only, CSRF for cookie sessions, row filters, a valid OpenAPI document."""

from __future__ import annotations

import re
import uuid

import pytest
from openapi_spec_validator import validate

from app.models.clients import Client
from app.models.contracts import Contract, ContractStatus
from tests.conftest import ROLE_USERS, csrf_token
from tests.factories import count, fetch
from tests.web.auth_helpers import api_token, bearer


@pytest.fixture
def api(app, db_connection):
    """An API client with a JWT of the given role: api("Admin").get(...)."""

    def as_role(role: str = "Admin"):
        browser = app.test_client()
        headers = bearer(api_token(browser, ROLE_USERS[role]))

        class Caller:
            def __getattr__(self, method):
                def call(url, **kwargs):
                    return getattr(browser, method)(url, headers=headers, **kwargs)

                return call

        return Caller()

    return as_role


NEW_CLIENT = {"company_name": "API Client GmbH", "status": "active", "currency": "EUR"}


# --- UUID routes ---------------------------------------------------------------------------


def test_crud_round_trip_with_uuid_ids(app, api, world):
    admin = api()
    created = admin.post("/api/v1/client/", json=NEW_CLIENT)
    assert created.status_code == 201, created.get_json()
    key = created.get_json()["id"]
    assert uuid.UUID(key)
    assert created.get_json()["result"]["version"] == 1

    shown = admin.get(f"/api/v1/client/{key}")
    assert shown.status_code == 200
    assert shown.get_json()["result"]["company_name"] == "API Client GmbH"
    assert shown.get_json()["result"]["status"] == "active"

    changed = admin.put(f"/api/v1/client/{key}", json={"industry": "Chemicals", "version": 1})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["result"]["version"] == 2
    assert fetch(app, Client, key, "industry", "company_name") == ("Chemicals", "API Client GmbH")

    assert admin.delete(f"/api/v1/client/{key}").status_code == 200
    assert admin.get(f"/api/v1/client/{key}").status_code == 404


def test_lists_carry_related_labels_and_money_as_strings(api, world):
    listed = api().get("/api/v1/contract/").get_json()
    row = next(r for r in listed["result"] if r["id"] == world["contract"])
    assert row["client"] == {"company_name": "Assigned Client Ltd"}
    assert row["client_id"] == world["client"]
    assert row["value"] == "1234567.50"
    assert row["start_date"] == "2026-01-01"


@pytest.mark.parametrize("key", ["not-a-uuid", "123", str(uuid.uuid4())])
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_malformed_and_unknown_ids_are_404(api, world, key, method):
    kwargs = {"json": {"version": 1}} if method == "put" else {}
    response = getattr(api(), method)(f"/api/v1/client/{key}", **kwargs)
    assert response.status_code == 404
    assert response.get_json() == {"message": "Not found"}


# --- 422 with the field ----------------------------------------------------------------------


def test_validation_errors_name_the_field(app, api, world):
    admin = api()
    missing = admin.post("/api/v1/client/", json={"status": "active"})
    assert missing.status_code == 422
    assert missing.get_json()["field"] == "company_name"
    assert missing.get_json()["message"].startswith("company_name:")

    bad_enum = admin.post("/api/v1/client/", json={**NEW_CLIENT, "status": "dormant"})
    assert bad_enum.status_code == 422 and bad_enum.get_json()["field"] == "status"

    bad_number = admin.post(
        "/api/v1/contract/",
        json={
            "client_id": world["client"],
            "contract_name": "X",
            "start_date": "2026-01-01",
            "end_date": "2026-02-01",
            "value": "lots",
        },
    )
    assert bad_number.status_code == 422 and bad_number.get_json()["field"] == "value"

    not_an_object = admin.post(
        "/api/v1/client/", json={**NEW_CLIENT, "custom_client_specific_json_data": "a string"}
    )
    assert not_an_object.status_code == 422
    assert not_an_object.get_json()["field"] == "custom_client_specific_json_data"
    assert count(app, Client, Client.company_name == NEW_CLIENT["company_name"]) == 0


def test_a_body_that_is_not_a_json_object_is_a_400(api, world):
    admin = api()
    assert admin.post("/api/v1/client/", json=["a", "list"]).status_code == 400
    assert admin.post("/api/v1/client/", data="company_name=x").status_code == 400


def test_integrity_errors_are_422_with_the_field(app, api, world):
    admin = api()
    duplicate = admin.post("/api/v1/client/", json={**NEW_CLIENT, "company_name": "Assigned Client Ltd"})
    assert duplicate.status_code == 422
    assert duplicate.get_json() == {
        "message": "A client named 'Assigned Client Ltd' already exists (names are compared ignoring "
        "case and surrounding spaces).",
        "field": "company_name",
    }
    serial = admin.post(
        "/api/v1/hardware_asset/",
        json={
            "asset_tag": "NEW-1",
            "serial_number": "WORLD-SN-1",
            "device_name": "fw",
            "asset_type": "firewall",
        },
    )
    assert serial.status_code == 422 and serial.get_json()["field"] == "serial_number"

    unknown = admin.post(
        "/api/v1/contract/",
        json={
            "client_id": str(uuid.uuid4()),
            "contract_name": "Orphan",
            "start_date": "2026-01-01",
            "end_date": "2026-02-01",
        },
    )
    assert unknown.status_code == 422
    assert unknown.get_json() == {"message": "The selected client does not exist.", "field": "client_id"}

    # The CHECK's bounds are known before the database refuses (app.web.column_limits).
    negative = admin.post("/api/v1/client/", json={**NEW_CLIENT, "lead_score": 250})
    assert negative.status_code == 422
    body = negative.get_json()
    assert (body["message"], body["field"]) == ("lead_score: Must be between 0 and 100.", "lead_score")


def test_a_delete_blocked_by_restrict_says_what_references_the_record(app, api, world):
    response = api().delete(f"/api/v1/client/{world['client']}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["message"].startswith("Cannot delete: still referenced by")
    assert "1 contract" in body["message"]
    assert "1 service performance metric" in body["message"]  # a reference a trigger enforces
    assert fetch(app, Client, world["client"], "company_name") == ("Assigned Client Ltd",)


def test_a_metric_point_for_a_missing_client_is_a_422(app, api, world):
    point = {
        "client_id": str(uuid.uuid4()),
        "service_id": str(world["service"]),
        "metric_name": "endpoints_online",
        "timestamp": "2026-01-05T11:00:00+00:00",
        "value": 41.0,
    }
    response = api().post("/api/v1/service_metric/", json=point)
    assert response.status_code == 422
    assert response.get_json() == {"message": "The selected client does not exist.", "field": "client_id"}
    created = api().post("/api/v1/service_metric/", json={**point, "client_id": str(world["client"])})
    assert created.status_code == 201, created.get_json()


def test_a_rule_of_the_services_is_a_422(app, api, world):
    response = api().delete(f"/api/v1/contract/{world['contract']}")
    assert response.status_code == 422
    assert "only a draft can be deleted" in response.get_json()["message"]
    assert fetch(app, Contract, world["contract"], "status") == (ContractStatus.ACTIVE,)


def test_bad_list_arguments_are_400_not_500(api, world):
    admin = api()
    for query in (
        "(filters:!((col:status,opr:eq,value:dormant)))",
        "(filters:!((col:start_date,opr:gt,value:yesterday)))",
        "(filters:!((col:nope,opr:eq,value:1)))",
        "(order_column:nope,order_direction:asc)",
        "(page:-1,page_size:100000)",
        "not rison at all (",
    ):
        response = admin.get(f"/api/v1/contract/?q={query}")
        assert response.status_code in (200, 400), (query, response.status_code)


# --- optimistic locking -----------------------------------------------------------------------


def test_a_stale_version_is_409_and_changes_nothing(app, api, world):
    admin = api()
    url = f"/api/v1/client/{world['client']}"
    assert admin.put(url, json={"industry": "First", "version": 1}).status_code == 200
    stale = admin.put(url, json={"industry": "Second", "version": 1})
    assert stale.status_code == 409
    assert stale.get_json()["current_version"] == 2
    assert stale.get_json()["field"] == "version"
    assert fetch(app, Client, world["client"], "industry", "version") == ("First", 2)


def test_put_must_carry_an_integer_version(api, world):
    admin = api()
    url = f"/api/v1/client/{world['client']}"
    missing = admin.put(url, json={"industry": "x"})
    assert missing.status_code == 422 and missing.get_json()["field"] == "version"
    wrong = admin.put(url, json={"industry": "x", "version": "1"})
    assert wrong.status_code == 422 and wrong.get_json()["field"] == "version"


# --- relations by id only ---------------------------------------------------------------------


def test_a_nested_object_never_creates_or_edits_a_related_row(app, api, world):
    admin = api()
    before = count(app, Client)
    nested = admin.post(
        "/api/v1/contract/",
        json={
            "client": {"company_name": "Sneaky New Client"},
            "contract_name": "Nested",
            "start_date": "2026-01-01",
            "end_date": "2026-02-01",
        },
    )
    assert nested.status_code == 422
    as_id = admin.post(
        "/api/v1/contract/",
        json={
            "client_id": {"id": world["client"], "company_name": "Renamed"},
            "contract_name": "Nested",
            "start_date": "2026-01-01",
            "end_date": "2026-02-01",
        },
    )
    assert as_id.status_code == 422 and as_id.get_json()["field"] == "client_id"
    put = admin.put(
        f"/api/v1/contract/{world['contract']}",
        json={"version": 1, "client": {"id": world["client"], "company_name": "Renamed"}},
    )
    assert put.status_code == 422
    assert count(app, Client) == before
    assert fetch(app, Client, world["client"], "company_name") == ("Assigned Client Ltd",)


def test_relations_are_set_by_id(app, api, world):
    response = api().put(
        f"/api/v1/contract/{world['contract']}", json={"version": 1, "client_id": world["other_client"]}
    )
    assert response.status_code == 200, response.get_json()
    assert str(fetch(app, Contract, world["contract"], "client_id")[0]) == world["other_client"]


# --- authentication and CSRF ------------------------------------------------------------------


def test_the_session_cookie_works_but_needs_the_csrf_token_to_write(app, login_as, world):
    browser = login_as("Account Manager")
    assert browser.get("/api/v1/client/").status_code == 200
    refused = browser.post("/api/v1/client/", json=NEW_CLIENT)
    assert refused.status_code == 400
    assert "CSRF" in refused.get_json()["message"]
    assert count(app, Client, Client.company_name == NEW_CLIENT["company_name"]) == 0
    token = csrf_token(browser.get("/clientview/add").get_data(as_text=True))
    accepted = browser.post("/api/v1/client/", json=NEW_CLIENT, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.get_json()


def test_a_bearer_token_needs_no_csrf_token(api, world):
    assert api("Account Manager").post("/api/v1/client/", json=NEW_CLIENT).status_code == 201


def test_a_bad_token_is_refused(client, world):
    response = client.get("/api/v1/client/", headers=bearer("not.a.jwt"))
    assert response.status_code in (401, 422)


# --- row filter -------------------------------------------------------------------------------


def test_account_managers_get_only_their_clients_transactions(api, world):
    account_manager = api("Account Manager")
    listed = account_manager.get("/api/v1/financial_transaction/").get_json()
    assert [row["description"] for row in listed["result"]] == ["Mine"]
    assert (
        account_manager.get(f"/api/v1/financial_transaction/{world['other_transaction']}").status_code == 404
    )
    assert account_manager.get(f"/api/v1/financial_transaction/{world['transaction']}").status_code == 200
    manager = api("Manager").get("/api/v1/financial_transaction/").get_json()
    assert {row["description"] for row in manager["result"]} == {"Mine", "Not mine"}


def test_api_lists_run_a_constant_number_of_queries(app, api, world):
    from sqlalchemy import event

    from app.extensions import db
    from tests.factories import add_clients_with_transactions

    add_clients_with_transactions(app, 30)
    admin = api()
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count_statement(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def queries_for(size: int) -> int:
        statements.clear()
        response = admin.get(f"/api/v1/financial_transaction/?q=(page_size:{size})")
        assert response.status_code == 200
        assert len(response.get_json()["result"]) == size
        return len(statements)

    event.listen(engine, "before_cursor_execute", count_statement)
    try:
        queries_for(5)
        assert queries_for(5) == queries_for(25)
    finally:
        event.remove(engine, "before_cursor_execute", count_statement)


def test_api_metadata_lists_no_related_rows(api, world):
    info = api().get("/api/v1/contract/_info")
    assert info.status_code == 200
    assert all("values" not in column for column in info.get_json()["add_columns"])


# --- OpenAPI ----------------------------------------------------------------------------------


def test_the_openapi_document_is_valid(api, world):
    response = api().get("/api/v1/_openapi")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    for resource in (
        "client",
        "contract",
        "service",
        "service_scope",
        "proposal",
        "license_pool",
        "client_license",
        "hardware_asset",
        "hardware_assignment",
        "financial_transaction",
        "team_assignment",
        "sla_metric",
        "ticket_summary",
        "service_metric",
        "custom_field",
    ):
        item = spec["paths"][f"/api/v1/{resource}/{{pk}}"]
        assert {"get", "put", "delete"} <= set(item), resource
        parameter = next(p for p in item["get"]["parameters"] if p["name"] == "pk")
        assert parameter["schema"]["type"] == "string"
        assert re.match(r"^/api/v1/", f"/api/v1/{resource}/")
