"""Issue 17.9: the page after login is each role's own start page, over HTTP as each role."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.conftest import ROLE_USERS, TEST_PASSWORD, login


@pytest.fixture
def world(app, db_connection):
    from app.extensions import db
    from app.models.clients import Client, ClientStatus
    from app.models.contracts import Contract, ContractStatus
    from app.models.hardware import AssetType, ClientHardwareAssignment, HardwareAsset
    from app.models.licensing import ClientLicense, ClientLicenseStatus, LicensePool, LicenseType
    from app.models.team import AssignmentRole, ClientTeamAssignment

    today = date.today()
    with app.app_context():
        mine = Client(company_name="Start Page Mine AG", status=ClientStatus.ACTIVE, currency="EUR")
        other = Client(company_name="Start Page Other Ltd", status=ClientStatus.ACTIVE, currency="USD")
        ending = Contract(
            client=mine,
            contract_name="Mine SOC ending",
            start_date=today - timedelta(days=300),
            end_date=today + timedelta(days=40),
            value=Decimal("9000.00"),
            currency="EUR",
            status=ContractStatus.ACTIVE,
        )
        others = Contract(
            client=other,
            contract_name="Other SOC ending",
            start_date=today - timedelta(days=300),
            end_date=today + timedelta(days=20),
            value=Decimal("5000.00"),
            currency="USD",
            status=ContractStatus.ACTIVE,
        )
        pool = LicensePool(
            product_name="Start Page Seats",
            vendor="Acme",
            license_type=LicenseType.SUBSCRIPTION,
            total_seats=10,
            currency="USD",
        )
        asset = HardwareAsset(
            asset_tag="START-001",
            serial_number="SN-START-001",
            device_name="Start firewall",
            asset_type=AssetType.FIREWALL,
        )
        db.session.add_all([mine, other, ending, others, pool, asset])
        db.session.flush()
        manager = app.appbuilder.sm.find_user(email=ROLE_USERS["Account Manager"])
        db.session.add_all(
            [
                ClientTeamAssignment(
                    user_id=manager.id, client_id=mine.id, assignment_role=AssignmentRole.ACCOUNT_MANAGER
                ),
                ClientLicense(
                    license_pool=pool, client=mine, assigned_seats=10, status=ClientLicenseStatus.ACTIVE
                ),
                ClientHardwareAssignment(
                    hardware_asset=asset,
                    client=other,
                    assignment_date=today - timedelta(days=60),
                    expected_return_date=today - timedelta(days=5),
                ),
            ]
        )
        db.session.commit()
        db.session.remove()


def sign_in(app, role: str):
    browser = app.test_client()
    response = login(browser, ROLE_USERS[role], TEST_PASSWORD)
    return browser, response


@pytest.mark.parametrize(
    ("role", "target"),
    [("Manager", "/dashboards/"), ("Admin", "/dashboards/"), ("Account Manager", "/"), ("Engineer", "/")],
)
def test_sign_in_leads_to_the_roles_start_page(app, world, role, target):
    _browser, response = sign_in(app, role)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(target), response.headers["Location"]


def test_an_account_manager_starts_with_their_clients_and_renewals(app, world):
    browser, _ = sign_in(app, "Account Manager")
    html = browser.get("/").get_data(as_text=True)
    assert 'data-testid="start-clients"' in html and "Start Page Mine AG" in html
    assert 'data-testid="start-renewals"' in html and "Mine SOC ending" in html
    assert "9,000.00 EUR" in html
    # Not their client: neither listed nor its renewal.
    assert "Start Page Other Ltd" not in html and "Other SOC ending" not in html
    assert "Welcome" not in html


def test_an_engineer_starts_with_pools_near_capacity_and_overdue_hardware(app, world):
    browser, _ = sign_in(app, "Engineer")
    html = browser.get("/").get_data(as_text=True)
    assert 'data-testid="start-pools"' in html and "Acme Start Page Seats" in html
    assert 'data-testid="start-overdue"' in html and "START-001" in html and "5 days ago" in html
    assert 'data-testid="start-clients"' not in html


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
