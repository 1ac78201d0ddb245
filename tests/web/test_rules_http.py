"""The business rules reach people: a refused save is a form error in the UI and a 422 with
the reason in the API, and the data stays as it was."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from markupsafe import escape

from app.models.catalog import DeliveryModel, Service, ServiceCategory
from app.models.clients import Client
from app.models.contracts import Contract, ContractStatus, SafStatus, ServiceScope
from app.models.finance import FinancialTransaction
from app.models.hardware import AssetStatus, AssetType, ClientHardwareAssignment, HardwareAsset
from app.models.licensing import ClientLicense, LicensePool, LicenseType
from tests.conftest import csrf_token
from tests.factories import count

TEMPLATE = {
    "parameters": [
        {"name": "retention_days", "label": "Retention", "type": "integer", "min": 30, "required": True},
    ]
}


@pytest.fixture
def world(app, db_connection) -> dict:
    """One of everything the cases need, committed in the test's transaction; ids only."""
    from app.extensions import db

    with app.app_context():
        client = Client(company_name="HTTP Rules Corp")
        pool = LicensePool(
            product_name="EDR", vendor="Acme", license_type=LicenseType.SUBSCRIPTION, total_seats=2
        )
        service = Service(
            name="HTTP Rules SIEM",
            category=ServiceCategory.SIEM,
            delivery_model=DeliveryModel.FULLY_MANAGED,
            scope_definition_template=TEMPLATE,
        )
        contract = Contract(
            client=client,
            contract_name="HTTP Rules 2026",
            start_date=date(2026, 1, 1),
            end_date=date(2026, 12, 31),
            status=ContractStatus.ACTIVE,
        )
        scope = ServiceScope(contract=contract, service=service, scope_details={"retention_days": 90})
        asset = HardwareAsset(
            asset_tag="HTTP-1",
            serial_number="HTTP-SN-1",
            device_name="fw",
            asset_type=AssetType.FIREWALL,
            status=AssetStatus.RETIRED,
        )
        db.session.add_all([client, pool, service, contract, scope, asset])
        db.session.commit()
        ids = {
            "client": str(client.id),
            "pool": str(pool.id),
            "service": str(service.id),
            "contract": str(contract.id),
            "scope": str(scope.id),
            "asset": str(asset.id),
        }
        db.session.remove()
    return ids


def value_of(app, model, key, attribute):
    from app.extensions import db

    with app.app_context():
        try:
            return getattr(db.session.get(model, key), attribute)
        finally:
            db.session.remove()


# --- API: 422 {"message", "field"} and nothing saved -----------------------------------------


def test_api_refuses_seats_beyond_the_pool(app, world, api):
    response = api(
        "post",
        "/api/v1/client_license/",
        {"license_pool_id": world["pool"], "client_id": world["client"], "assigned_seats": 3},
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == "assigned_seats"
    assert "has 2 free seat(s) of 2; 3 requested" in response.get_json()["message"]
    assert count(app, ClientLicense, ClientLicense.client_id == world["client"]) == 0


def test_api_refuses_scope_details_against_the_template(app, world, api):
    response = api(
        "post",
        "/api/v1/service_scope/",
        {
            "contract_id": world["contract"],
            "service_id": world["service"],
            "scope_details": {"retention_days": 5},
        },
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json() == {"message": "Retention must be at least 30.", "field": "scope_details"}
    assert count(app, ServiceScope, ServiceScope.contract_id == world["contract"]) == 1


def test_api_refuses_a_saf_move_outside_the_workflow(app, world, api):
    response = api("put", f"/api/v1/service_scope/{world['scope']}", {"saf_status": "active", "version": 1})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == "saf_status"
    assert "cannot move from not started to active" in response.get_json()["message"]
    assert value_of(app, ServiceScope, world["scope"], "saf_status") is SafStatus.NOT_STARTED


def test_api_refuses_assigning_a_retired_asset(app, world, api):
    response = api(
        "post",
        "/api/v1/hardware_assignment/",
        {"hardware_asset_id": world["asset"], "client_id": world["client"]},
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == "hardware_asset"
    assert "is retired and cannot be assigned" in response.get_json()["message"]
    assert (
        count(app, ClientHardwareAssignment, ClientHardwareAssignment.hardware_asset_id == world["asset"])
        == 0
    )


def test_api_refuses_an_unlinked_revenue(app, world, api):
    response = api(
        "post",
        "/api/v1/financial_transaction/",
        {
            "transaction_type": "revenue_one_off",
            "amount": "10.00",
            "currency": "USD",
            "transaction_date": "2026-03-01",
        },
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == "client"
    assert count(app, FinancialTransaction) == 0


def test_api_refuses_contract_dates_in_the_wrong_order(app, world, api):
    response = api(
        "post",
        "/api/v1/contract/",
        {
            "client_id": world["client"],
            "contract_name": "Backwards",
            "start_date": "2026-06-01",
            "end_date": "2026-06-01",
            "currency": "USD",
        },
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json() == {
        "message": "The end date must be after the start date.",
        "field": "end_date",
    }
    assert count(app, Contract, Contract.contract_name == "Backwards") == 0


# --- UI: the form comes back with the message on the field -----------------------------------


def test_ui_refuses_seats_beyond_the_pool_on_the_form(app, world, admin_client):
    page = admin_client.get("/clientlicenseview/add").get_data(as_text=True)
    response = admin_client.post(
        "/clientlicenseview/add",
        data={
            "csrf_token": csrf_token(page),
            "client": world["client"],
            "license_pool": world["pool"],
            "assigned_seats": "3",
            "status": "active",
            "assignment_date": (date.today() - timedelta(days=1)).isoformat(),
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422), html[:500]
    assert str(escape("has 2 free seat(s) of 2; 3 requested")) in html
    assert count(app, ClientLicense, ClientLicense.client_id == world["client"]) == 0


def test_ui_refuses_a_contract_ending_before_it_starts(app, world, admin_client):
    url = f"/contractview/edit/{world['contract']}"
    page = admin_client.get(url).get_data(as_text=True)
    response = admin_client.post(
        url,
        data={
            "csrf_token": csrf_token(page),
            "version": "1",
            "client": world["client"],
            "contract_name": "HTTP Rules 2026",
            "status": "active",
            "start_date": "2026-01-01",
            "end_date": "2025-12-31",
            "value": "10.00",
            "currency": "USD",
        },
    )
    html = response.get_data(as_text=True)
    assert "The end date must be after the start date." in html
    assert value_of(app, Contract, world["contract"], "end_date") == date(2026, 12, 31)
    assert value_of(app, Contract, world["contract"], "value") == Decimal("0.00")
