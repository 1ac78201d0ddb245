"""Issue 17.1: an early renewal changes no figure before the successor starts.

An account manager renews a running contract months before its end (the screen and the
REST API); the manager's dashboard figures, the day's snapshot (MRR, services) and the
"ending within" counts do not move; the daily roll-over then moves both contracts across
the boundary, and on every day exactly one contract of the chain counts. Renew is offered
only where it can succeed.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models.catalog import DeliveryModel, Service, ServiceCategory
from app.models.clients import Client
from app.models.contracts import Contract, ContractStatus, SafStatus, ServiceScope
from tests.conftest import csrf_token
from tests.web.html import form_values
from tests.web.test_rules_http import value_of

TODAY = date.today()


@pytest.fixture
def chain(app, db_connection) -> dict:
    """A contract running from 300 days ago to 60 days ahead, with one running service."""
    from app.extensions import db

    with app.app_context():
        client = Client(company_name="Early Renewal GmbH", currency="EUR")
        service = Service(
            name="Early MDR", category=ServiceCategory.EDR, delivery_model=DeliveryModel.FULLY_MANAGED
        )
        running = Contract(
            client=client,
            contract_name="Early MDR 1",
            start_date=TODAY - timedelta(days=300),
            end_date=TODAY + timedelta(days=60),
            value=Decimal("374182.32"),
            currency="EUR",
            status=ContractStatus.ACTIVE,
        )
        scope = ServiceScope(
            contract=running, service=service, price=Decimal("100.00"), quantity=Decimal(10),
            currency="EUR", saf_status=SafStatus.ACTIVE, saf_service_start_date=running.start_date,
        )
        db.session.add_all([client, service, running, scope])
        db.session.commit()
        ids = {"client": str(client.id), "contract": str(running.id), "end": running.end_date}
        db.session.remove()
    return ids


def headline(browser, client_id: str) -> dict[str, list[str]]:
    tiles = browser.get(f"/dashboards/api/headline?client={client_id}").get_json()["tiles"]
    return {t["key"]: t["values"] for t in tiles}


def client_snapshot(app, client_id: str, day: date) -> dict:
    """The snapshot row the daily job would write for the client on `day`."""
    from app.extensions import db
    from app.services.snapshots import compute_snapshot_rows

    with app.app_context():
        try:
            [row] = [r for r in compute_snapshot_rows(day) if r["client_id"] == client_id]
        finally:
            db.session.remove()
    return {k: row[k] for k in ("active_contract_count", "total_contract_value",
                                "monthly_recurring_revenue", "active_service_count")}


def statuses(app, client_id: str) -> dict[str, ContractStatus]:
    from app.extensions import db

    with app.app_context():
        try:
            rows = db.session.execute(
                select(Contract.contract_name, Contract.status).where(Contract.client_id == client_id)
            ).all()
        finally:
            db.session.remove()
    return dict(rows)


def roll_over(app, day: date) -> None:
    from app.extensions import db
    from app.services.contract_counting import roll_over_contracts

    with app.app_context():
        try:
            roll_over_contracts(day)
        finally:
            db.session.remove()


def test_renewing_early_changes_no_figure_until_the_successor_starts(app, chain, login_as):
    manager, account_manager = login_as("Manager"), login_as("Account Manager")
    before = headline(manager, chain["client"])
    assert before["contract_value"] == ["374,182.32 EUR"]
    snapshot_before = client_snapshot(app, chain["client"], TODAY)
    assert snapshot_before["active_contract_count"] == 1 and snapshot_before["active_service_count"] == 1

    url = f"/contractview/renew/{chain['contract']}"
    page = account_manager.get(url).get_data(as_text=True)
    data = {**form_values(page), "value": "400000.00", "status": "signed", "csrf_token": csrf_token(page)}
    response = account_manager.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]

    # Nothing moved: the running contract still counts, the signed renewal waits.
    renewal_name = f"Early MDR 1 (renewal {(chain['end'] + timedelta(days=1)).isoformat()})"
    assert statuses(app, chain["client"]) == {
        "Early MDR 1": ContractStatus.ACTIVE,
        renewal_name: ContractStatus.SIGNED,
    }
    assert headline(manager, chain["client"]) == before
    assert client_snapshot(app, chain["client"], TODAY) == snapshot_before

    # Day by day across the boundary: exactly one contract of the chain counts.
    end = chain["end"]
    for day in (end - timedelta(days=1), end, end + timedelta(days=1), end + timedelta(days=2)):
        roll_over(app, day)
        counted = [name for name, status in statuses(app, chain["client"]).items()
                   if status is ContractStatus.ACTIVE]
        assert len(counted) == 1, (day, counted)
        assert counted[0].startswith("Early MDR 1 (renewal") == (day > end), day
        snapshot = client_snapshot(app, chain["client"], day)
        assert snapshot["active_contract_count"] == 1 and snapshot["active_service_count"] == 1, day
    assert statuses(app, chain["client"])["Early MDR 1"] is ContractStatus.RENEWED
    assert headline(manager, chain["client"])["contract_value"] == ["400,000.00 EUR"]


def test_renew_is_offered_only_where_it_can_succeed(app, chain, login_as):
    account_manager = login_as("Account Manager")
    show = f"/contractview/show/{chain['contract']}"
    assert "/contractview/action/renew/" in account_manager.get(show).get_data(as_text=True)
    page = account_manager.get(f"/contractview/renew/{chain['contract']}").get_data(as_text=True)
    account_manager.post(
        f"/contractview/renew/{chain['contract']}", data={**form_values(page), "csrf_token": csrf_token(page)}
    )
    # Renewed once (the successor is a draft): no more Renew on it, nor on the draft.
    assert "/contractview/action/renew/" not in account_manager.get(show).get_data(as_text=True)
    from app.extensions import db

    with app.app_context():
        successor = db.session.scalar(
            select(Contract.id).where(Contract.previous_contract_id == chain["contract"])
        )
        db.session.remove()
    successor_page = account_manager.get(f"/contractview/show/{successor}").get_data(as_text=True)
    assert "/contractview/action/renew/" not in successor_page
    assert "/contractview/action/terminate/" not in successor_page  # a draft is not terminated either
    listed = account_manager.get("/contractview/list/").get_data(as_text=True)
    assert "renew_menu_item" not in listed


def test_the_api_renews_early_as_signed_and_leaves_the_contract_running(app, chain, login_as):
    from tests.conftest import ROLE_USERS
    from tests.web.auth_helpers import api_token, bearer

    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Account Manager"]))
    url = f"/api/v1/contract/{chain['contract']}/renew"
    wrong_start = browser.post(url, json={"start_date": TODAY.isoformat()}, headers=headers)
    assert wrong_start.status_code == 422, wrong_start.get_json()
    assert wrong_start.get_json()["field"] == "start_date"
    active = browser.post(url, json={"status": "active"}, headers=headers)
    assert active.status_code == 422 and "status" in str(active.get_json())
    response = browser.post(url, json={"status": "signed"}, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["result"]["status"] == "signed"
    assert value_of(app, Contract, chain["contract"], "status") is ContractStatus.ACTIVE
    shown = browser.get(f"/api/v1/contract/{chain['contract']}", headers=headers).get_json()["result"]
    assert shown["status"] == "active"
