"""Changes through the screens and the REST API are audited with who, source, IP, request id
and the field diff; the History tab shows them."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from app.models.audit import AuditEvent, AuditOperation, AuditSource
from app.models.clients import Client
from tests.conftest import ROLE_USERS, csrf_token
from tests.web.auth_helpers import api_token, bearer


def audit_rows(app, entity_type: str, entity_id) -> list[AuditEvent]:
    from app.extensions import db

    with app.app_context():
        rows = list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
                .order_by(AuditEvent.occurred_at)
            )
        )
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
        return rows


def client_named(app, name: str) -> Client | None:
    from app.extensions import db

    with app.app_context():
        client = db.session.scalar(select(Client).where(Client.company_name == name))
        if client is not None:
            db.session.expunge(client)
        db.session.remove()
        return client


def form_fields(page: str) -> dict[str, str]:
    """The text inputs and selected options of a FAB form, as the browser would send them."""
    fields = {
        name: value for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)
    }
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        option = re.search(r"<option[^>]*\bselected\b[^>]*>", body)
        value = re.search(r'value="([^"]*)"', option.group(0)) if option else None
        fields[name] = value.group(1) if value else ""
    return fields


def test_a_change_through_the_screens_is_audited_with_who_where_and_the_diff(app, admin_client):
    name = f"UI Audited {uuid.uuid4().hex[:6]}"
    page = admin_client.get("/clientview/add").get_data(as_text=True)
    response = admin_client.post(
        "/clientview/add",
        data={
            "csrf_token": csrf_token(page),
            "company_name": name,
            "status": "prospect",
            "currency": "USD",
            "lead_score": "10",
            # What the browser posts: the client data's row editor keeps "{}" in a hidden input.
            "custom_client_specific_json_data": "{}",
        },
        headers={"X-Request-ID": "ui-add-1"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    client = client_named(app, name)
    [created] = audit_rows(app, "client", client.id)
    assert created.operation is AuditOperation.CREATE and created.action == "create"
    assert created.source is AuditSource.UI
    assert created.actor_email == ROLE_USERS["Admin"] and created.actor_user_id is not None
    assert created.ip == "127.0.0.1" and created.request_id == "ui-add-1"
    assert created.changes["company_name"] == {"old": None, "new": name}
    assert created.changes["lead_score"] == {"old": None, "new": 10}

    edit = admin_client.get(f"/clientview/edit/{client.id}").get_data(as_text=True)
    data = form_fields(edit)
    data.update(lead_score="75", notes="renegotiating")
    response = admin_client.post(f"/clientview/edit/{client.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    updated = audit_rows(app, "client", client.id)[-1]
    assert updated.operation is AuditOperation.UPDATE and updated.source is AuditSource.UI
    assert updated.changes == {
        "lead_score": {"old": 10, "new": 75},
        "notes": {"old": None, "new": "renegotiating"},
    }

    show = admin_client.get(f"/clientview/show/{client.id}").get_data(as_text=True)
    response = admin_client.post(f"/clientview/delete/{client.id}", data={"csrf_token": csrf_token(show)})
    assert response.status_code == 302
    assert client_named(app, name) is None
    deleted = audit_rows(app, "client", client.id)[-1]
    assert deleted.operation is AuditOperation.DELETE and deleted.action == "delete"
    assert deleted.changes["lead_score"] == {"old": 75, "new": None}
    assert len(audit_rows(app, "client", client.id)) == 3


def test_a_change_through_the_api_is_audited_as_api(app, db_connection):
    browser = app.test_client()
    headers = {**bearer(api_token(browser, ROLE_USERS["Account Manager"])), "X-Request-ID": "api-req-7"}
    name = f"API Audited {uuid.uuid4().hex[:6]}"
    response = browser.post("/api/v1/client/", json={"company_name": name, "lead_score": 3}, headers=headers)
    assert response.status_code == 201, response.get_json()
    client_id = response.get_json()["id"]
    response = browser.put(
        f"/api/v1/client/{client_id}", json={"lead_score": 4, "version": 1}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    created, updated = audit_rows(app, "client", client_id)
    for row in (created, updated):
        assert row.source is AuditSource.API
        assert row.actor_email == ROLE_USERS["Account Manager"]
        assert row.request_id == "api-req-7" and row.ip == "127.0.0.1"
    assert updated.changes == {"lead_score": {"old": 3, "new": 4}}

    admin = bearer(api_token(browser, ROLE_USERS["Admin"]))
    assert browser.delete(f"/api/v1/client/{client_id}", headers=admin).status_code == 200
    deleted = audit_rows(app, "client", client_id)[-1]
    assert deleted.operation is AuditOperation.DELETE and deleted.actor_email == ROLE_USERS["Admin"]


def test_a_refused_api_change_leaves_no_audit_row(app, db_connection):
    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Admin"]))
    name = f"Refused {uuid.uuid4().hex[:6]}"
    response = browser.post(
        "/api/v1/client/", json={"company_name": name, "currency": "euro"}, headers=headers
    )
    assert response.status_code == 422
    from app.extensions import db

    with app.app_context():
        found = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_type == "client", AuditEvent.changes["company_name"]["new"].astext == name
            )
        ).all()
        db.session.remove()
    assert found == []


def test_the_history_tab_shows_the_diff_newest_first(app, admin_client):
    name = f"History Tab {uuid.uuid4().hex[:6]}"
    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Admin"]))
    client_id = browser.post(
        "/api/v1/client/", json={"company_name": name, "lead_score": 1}, headers=headers
    ).get_json()["id"]
    browser.put(f"/api/v1/client/{client_id}", json={"lead_score": 99, "version": 1}, headers=headers)

    page = admin_client.get(f"/clientview/show/{client_id}").get_data(as_text=True)
    assert 'href="#History"' in page
    tab = page[page.index('id="History"') :]
    assert tab.index('data-action="update"') < tab.index('data-action="create"')  # newest first
    update = tab[tab.index('data-action="update"') : tab.index('data-action="create"')]
    assert 'data-field="lead_score"' in update
    assert re.search(r'class="mssp-old">1</span>\s*&rarr;\s*<span class="mssp-new">99<', update)
    assert ROLE_USERS["Admin"] in update and "api" in update
    assert f"/history/client/{client_id}/" in tab

    full = admin_client.get(f"/history/client/{client_id}/")
    assert full.status_code == 200
    assert full.get_data(as_text=True).count('class="mssp-history-entry"') == 2


def test_a_secret_never_reaches_the_history_page(app, admin_client, db_connection):
    from app.extensions import db
    from app.models.integrations import AuthType, ExternalDataSource, SourceType
    from app.services.sync.data_sources import set_credentials

    with app.app_context():
        source = ExternalDataSource(
            name=f"Jira {uuid.uuid4().hex[:6]}",
            source_type=SourceType.JIRA,
            base_url="https://jira.example",
            auth_type=AuthType.BEARER,
        )
        set_credentials(source, {"token": "tok-very-secret-123"})
        db.session.add(source)
        db.session.commit()
        source_id, token = source.id, source.encrypted_credentials
        db.session.remove()
    page = admin_client.get(f"/history/external_data_source/{source_id}/").get_data(as_text=True)
    assert "changed (hidden)" in page
    assert "tok-very-secret-123" not in page and token not in page


def test_a_screen_without_audit_shows_no_history_tab(admin_client, world):
    page = admin_client.get(f"/slametricview/show/{world['sla']}").get_data(as_text=True)
    assert 'href="#History"' not in page


@pytest.mark.parametrize(
    ("role", "status"),
    [("Admin", 200), ("Manager", 200), ("Account Manager", 200), ("Engineer", 403)],
)
def test_history_follows_the_records_read_permission(app, login_as, role, status):
    from app.extensions import db
    from app.models.finance import FinancialTransaction, TransactionStatus, TransactionType

    with app.app_context():
        client = Client(company_name=f"Hist Perm {uuid.uuid4().hex[:6]}")
        db.session.add(client)
        db.session.flush()
        from app.models.team import AssignmentRole, ClientTeamAssignment
        from app.models.users import MsspUser

        manager = db.session.scalar(select(MsspUser).where(MsspUser.email == ROLE_USERS["Account Manager"]))
        db.session.add(
            ClientTeamAssignment(client=client, user=manager, assignment_role=AssignmentRole.ACCOUNT_MANAGER)
        )
        from datetime import date
        from decimal import Decimal

        txn = FinancialTransaction(
            client=client,
            transaction_type=TransactionType.REVENUE_ONE_OFF,
            amount=Decimal("10.00"),
            currency="USD",
            transaction_date=date(2026, 3, 1),
            status=TransactionStatus.PAID,
        )
        db.session.add(txn)
        db.session.commit()
        txn_id = txn.id
        db.session.remove()
    browser = login_as(role)
    assert browser.get(f"/history/financial_transaction/{txn_id}/").status_code == status


def test_history_of_a_deleted_record_is_for_audit_readers_only(app, login_as, db_connection):
    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Admin"]))
    client_id = browser.post(
        "/api/v1/client/", json={"company_name": f"Gone {uuid.uuid4().hex[:6]}"}, headers=headers
    ).get_json()["id"]
    assert browser.delete(f"/api/v1/client/{client_id}", headers=headers).status_code == 200
    assert login_as("Manager").get(f"/history/client/{client_id}/").status_code == 200
    assert login_as("Engineer").get(f"/history/client/{client_id}/").status_code == 403


def test_history_of_an_unknown_entity_type_is_404_and_anonymous_is_sent_to_login(app, admin_client, client):
    assert admin_client.get(f"/history/nonsense/{uuid.uuid4()}/").status_code == 404
    response = client.get(f"/history/client/{uuid.uuid4()}/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_user_pages_have_a_history_tab_with_the_password_masked(app, admin_client, db_connection):
    from tests.web.auth_helpers import user_id

    engineer = user_id(app, "Engineer")
    page = admin_client.get(f"/users/show/{engineer}").get_data(as_text=True)
    assert 'href="#History"' in page
    tab = page[page.index('id="History"') :]
    assert 'data-action="create"' in tab and 'data-field="password"' in tab
    assert "changed (hidden)" in tab and "argon2" not in tab


def test_history_applies_the_screens_row_filter(app, login_as):
    """An Account Manager reads transactions of their clients only: the history too."""
    from datetime import date
    from decimal import Decimal

    from app.extensions import db
    from app.models.finance import FinancialTransaction, TransactionStatus, TransactionType

    with app.app_context():
        client = Client(company_name=f"Not Mine {uuid.uuid4().hex[:6]}")
        txn = FinancialTransaction(
            client=client,
            transaction_type=TransactionType.REVENUE_ONE_OFF,
            amount=Decimal("5.00"),
            currency="USD",
            transaction_date=date(2026, 3, 1),
            status=TransactionStatus.PAID,
        )
        db.session.add_all([client, txn])
        db.session.commit()
        txn_id = txn.id
        db.session.remove()
    assert login_as("Account Manager").get(f"/history/financial_transaction/{txn_id}/").status_code == 403
