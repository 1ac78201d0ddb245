"""Lists and the client hub: what they show, for whom, and that they stay fast."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import event

from app.models.clients import Client
from tests.factories import add_clients_with_transactions
from tests.web.html import cells

PAGE_LIMIT = 300_000


def test_lists_format_money_dates_and_enums(admin_client, world):
    contracts = cells(admin_client.get("/contractview/list/").get_data(as_text=True))
    assert (
        "World Contract 2026 Assigned Client Ltd Active 2026-01-01 2026-12-31 1,234,567.50 USD" in contracts
    )
    transactions = cells(admin_client.get("/transactionview/list/").get_data(as_text=True))
    assert "2026-02-01 Revenue contract Assigned Client Ltd Mine 1,500.00 USD Pending" in transactions
    assert "99.00 EUR" in transactions
    tickets = cells(admin_client.get("/ticketview/list/").get_data(as_text=True))
    assert "2026-01-05 09:30 UTC" in tickets
    services = cells(admin_client.get("/serviceview/list/").get_data(as_text=True))
    assert "World SIEM SIEM Fully managed 100.00 USD Yes" in services


def test_money_columns_are_right_aligned_and_only_they(manager_client, world):
    page = manager_client.get("/transactionview/list/").get_data(as_text=True)
    headers = re.findall(r"<th([^>]*)>(?:<a [^>]*>)?\s*([^<]+?)\s*<", page)
    assert [label for css, label in headers if "mssp-money" in css] == ["Amount"]
    assert re.search(r'<td class="mssp-money">\s*1,500.00 USD\s*</td>', page)
    assert re.search(r"<td>\s*Mine\s*</td>", page)
    # The CSV export keeps plain text.
    csv = manager_client.get("/transactionview/export/").get_data(as_text=True)
    assert ",1500.00,USD," in csv and "mssp-money" not in csv


def test_lists_link_related_records_the_person_may_open(admin_client, engineer_client, world):
    html = admin_client.get("/transactionview/list/").get_data(as_text=True)
    assert f'href="/clientview/show/{world["client"]}"' in html
    # Engineers may open clients but not transactions: their license list links clients only.
    html = engineer_client.get("/clientlicenseview/list/").get_data(as_text=True)
    assert f'href="/clientview/show/{world["client"]}"' in html


def test_default_order_contracts_by_end_date(app, admin_client, world):
    from app.extensions import db
    from app.models.contracts import Contract, ContractStatus

    with app.app_context():
        client = db.session.get(Client, __import__("uuid").UUID(world["other_client"]))
        db.session.add(
            Contract(
                client=client,
                contract_name="Ends First",
                start_date=dt.date(2025, 1, 1),
                end_date=dt.date(2025, 6, 30),
                status=ContractStatus.DRAFT,
            )
        )
        db.session.commit()
        db.session.remove()
    html = cells(admin_client.get("/contractview/list/").get_data(as_text=True))
    assert html.index("Ends First") < html.index("World Contract 2026")
    by_client = cells(
        admin_client.get("/contractview/list/?_oc_ContractView=client&_od_ContractView=desc").get_data(
            as_text=True
        )
    )
    assert by_client.index("Unassigned Client plc") < by_client.index("Assigned Client Ltd")


def test_filters_on_status_and_client(admin_client, world):
    html = cells(admin_client.get("/clientview/list/?_flt_0_status=prospect").get_data(as_text=True))
    assert "Unassigned Client plc" in html and "Assigned Client Ltd" not in html
    html = cells(
        admin_client.get(f"/transactionview/list/?_flt_0_client={world['other_client']}").get_data(
            as_text=True
        )
    )
    assert "Not mine" in html and "Mine" not in html.replace("Not mine", "")


def test_a_list_page_runs_a_constant_number_of_queries(app, admin_client, world):
    """25 rows with related labels cost the same queries as 5: no query per row."""
    from app.extensions import db

    add_clients_with_transactions(app, 30)
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count_statement(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def queries_for(url: str) -> int:
        statements.clear()
        assert admin_client.get(url).status_code == 200
        return len(statements)

    event.listen(engine, "before_cursor_execute", count_statement)
    try:
        queries_for("/transactionview/list/")  # warm-up: first-request caches
        few = queries_for("/transactionview/list/?psize_TransactionView=5")
        many = queries_for("/transactionview/list/?psize_TransactionView=25")
        scopes_few = queries_for("/proposalview/list/?psize_ProposalView=5")
        scopes_many = queries_for("/proposalview/list/?psize_ProposalView=25")
    finally:
        event.remove(engine, "before_cursor_execute", count_statement)
    assert many == few, (few, many)
    assert scopes_many == scopes_few
    # Per-page overhead (session, permissions) stays small and fixed.
    assert many < 25, statements


def test_pages_stay_small(app, admin_client, world):
    add_clients_with_transactions(app, 30)
    for url in (
        "/clientview/list/",
        "/transactionview/list/?psize_TransactionView=100",
        f"/clientview/show/{world['client']}",
        f"/clientview/edit/{world['client']}",
        "/transactionview/add",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert len(response.data) < PAGE_LIMIT, (url, len(response.data))


def test_the_count_is_capped_on_big_tables(app, admin_client, world, monkeypatch):
    from app.views.clients import ClientView

    add_clients_with_transactions(app, 5)
    monkeypatch.setattr(ClientView.datamodel, "count_cap", 3)
    html = admin_client.get("/clientview/list/").get_data(as_text=True)
    assert re.search(r"Record Count:</strong>\s*more than 3", html)


def test_relation_pickers_search_and_return_at_most_100_options(app, admin_client, world):
    add_clients_with_transactions(app, 120)
    data = admin_client.get("/contractview/related/client/").get_json()
    assert len(data["results"]) == 100
    assert data["pagination"]["more"] is True
    found = admin_client.get("/contractview/related/client/?q=client 11").get_json()
    assert {r["text"] for r in found["results"]} == {f"Bulk Client {n}" for n in range(110, 120)}
    assert admin_client.get("/contractview/related/no_such_column/").status_code == 404
    # The add form lists no clients at all: the picker asks as you type.
    form = admin_client.get("/contractview/add").get_data(as_text=True)
    assert "Bulk Client 000" not in form
    assert 'class="form-control mssp-relation-picker"' in form
    # Nor does the list's client filter.
    assert "Bulk Client 000" not in admin_client.get("/contractview/list/").get_data(as_text=True)


def test_pickers_search_through_relations(admin_client, world):
    found = admin_client.get("/proposalview/related/service_scope/?q=world siem").get_json()
    assert [r["text"] for r in found["results"]] == ["World SIEM (World Contract 2026)"]


def test_pickers_need_read_access(engineer_client, world):
    assert engineer_client.get("/transactionview/related/client/").status_code == 403


def test_the_client_hub_shows_every_related_tab(admin_client, world):
    html = admin_client.get(f"/clientview/show/{world['client']}").get_data(as_text=True)
    # Other features may add tabs of their own (the audit History): ours come in this order.
    tabs = [
        t
        for t in re.findall(r'<a href="#(\w+)" data-toggle="tab">', html)
        if t.endswith("View") or t == "Home"
    ]
    assert tabs == [
        "Home",
        "ContractView",
        "ServiceScopeView",
        "ProposalView",
        "ClientLicenseView",
        "HardwareAssignmentView",
        "TeamAssignmentView",
        "TicketView",
        "SLAMetricView",
        "TransactionView",
        "ReconciliationLineView",
        "ClientReportArchiveView",
    ]
    for text in (
        "World Contract 2026",
        "World SIEM",
        "World EDR",
        "WORLD-1",
        "World ticket",
        "Availability",
        "1,500.00 USD",
    ):
        assert text in html, text


def test_the_hub_hides_tabs_the_person_may_not_read(engineer_client, world):
    html = engineer_client.get(f"/clientview/show/{world['client']}").get_data(as_text=True)
    assert 'href="#TransactionView"' not in html
    assert "1,500.00 USD" not in html
    assert 'href="#ContractView"' in html


def test_account_managers_see_only_their_clients_transactions(app, login_as, world):
    browser = login_as("Account Manager")
    listed = cells(browser.get("/transactionview/list/").get_data(as_text=True))
    assert "Mine" in listed and "Not mine" not in listed
    assert browser.get(f"/transactionview/show/{world['transaction']}").status_code == 200
    assert browser.get(f"/transactionview/show/{world['other_transaction']}").status_code == 404
    hub = browser.get(f"/clientview/show/{world['other_client']}").get_data(as_text=True)
    assert "99.00 EUR" not in hub
    export = browser.get("/transactionview/export/").data.decode("utf-8-sig")
    assert "Mine" in export and "Not mine" not in export


def test_managers_see_every_transaction(manager_client, world):
    listed = cells(manager_client.get("/transactionview/list/").get_data(as_text=True))
    assert "Mine" in listed and "Not mine" in listed


def test_adding_from_a_hub_tab_fills_in_the_client(app, account_manager_client, world):
    from app.models.contracts import Contract
    from tests.conftest import csrf_token
    from tests.factories import count

    hub = account_manager_client.get(f"/clientview/show/{world['client']}").get_data(as_text=True)
    add_url = f"/contractview/add?_flt_0_client={world['client']}"
    assert f'href="{add_url}"' in hub
    form = account_manager_client.get(add_url).get_data(as_text=True)
    assert 'name="client"' not in form
    response = account_manager_client.post(
        add_url,
        data={
            "csrf_token": csrf_token(form),
            "contract_name": "From the hub",
            "status": "draft",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "value": "10",
            "currency": "USD",
        },
    )
    assert response.status_code == 302
    assert (
        count(
            app,
            Contract,
            Contract.contract_name == "From the hub",
            Contract.client_id == __import__("uuid").UUID(world["client"]),
        )
        == 1
    )
