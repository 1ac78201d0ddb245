"""The reconciliation screens over HTTP, as each role: the findings page, CSV, the client tab, row rules."""

from __future__ import annotations

import csv
import io
import re

import pytest

from app.services.reconciliation.totals import MONTH_FILTER_ARG
from tests.conftest import ROLE_USERS
from tests.reconciliation_data import build_reconciliation_world, refresh


@pytest.fixture
def world(app, db_connection):
    from app.extensions import db

    with app.app_context():
        am = app.appbuilder.sm.find_user(email=ROLE_USERS["Account Manager"]).id
        built = build_reconciliation_world(db.session, account_manager_id=am)
        refresh(db.session, built)
        db.session.remove()
    return built


def page_url(world, **extra) -> str:
    args = "&".join(f"{k}={v}" for k, v in {MONTH_FILTER_ARG: world.month.isoformat(), **extra}.items())
    return f"/reconciliationfindingview/list/?{args}"


def test_the_page_without_filters_opens_on_this_month(admin_client, world):
    response = admin_client.get("/reconciliationfindingview/list/")
    assert response.status_code == 302
    assert f"{MONTH_FILTER_ARG}={world.month.isoformat()}" in response.headers["Location"]


def test_the_page_lists_the_findings_by_money_with_the_revenue_at_risk(manager_client, world):
    html = manager_client.get(page_url(world)).get_data(as_text=True)
    order = [
        html.index(name)
        for name in (
            "Shadow GmbH",
            "Volume Plc",
            "Quiet BV",
            "Underbilled Inc",
            "Seats Co",
            "Overdeploy Ltd",
            "Consult SA",
        )
    ]
    assert order == sorted(order), "most money at stake first"
    assert 'data-currency="EUR">645.00 EUR' in html and 'data-currency="USD">100.00 USD' in html
    assert "/transactionview/list/?_flt_0_service_scope=" in html


def test_the_page_filters_by_finding_kind_and_totals_what_it_lists(manager_client, world):
    html = manager_client.get(page_url(world, _flt_0_kind="overage")).get_data(as_text=True)
    assert "Volume Plc" in html and "Quiet BV" not in html
    assert (
        'data-currency="EUR">210.00 EUR' in html and "USD" not in html.split("mssp-revenue-at-risk")[1][:400]
    )


def test_an_account_manager_sees_only_their_clients(account_manager_client, world):
    html = account_manager_client.get(page_url(world)).get_data(as_text=True)
    assert "Overdeploy Ltd" in html
    for other in ("Shadow GmbH", "Volume Plc", "Underbilled Inc", "Seats Co"):
        assert other not in html
    assert 'data-currency="EUR">75.00 EUR' in html
    export = account_manager_client.get(
        f"/reconciliationfindingview/export/?{MONTH_FILTER_ARG}={world.month}"
    )
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:]] == ["Overdeploy Ltd"]


def test_an_engineer_sees_no_money(engineer_client, world):
    assert engineer_client.get(page_url(world)).status_code in (302, 403)


def test_the_csv_export_has_every_finding_with_its_value(admin_client, world):
    response = admin_client.get(f"/reconciliationfindingview/export/?{MONTH_FILTER_ARG}={world.month}")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Month", "Finding", "Client"]
    values = {(r[2], r[1]): (r[7], r[8]) for r in body}
    assert values[("Shadow GmbH", "Deployed without contract")] == ("360.00", "EUR")
    assert values[("Consult SA", "Not reconcilable")] == ("0.00", "EUR")
    assert len(body) == 7


def test_the_client_page_has_a_reconciliation_tab(admin_client, world):
    client_id = world.clients["Consult SA"]
    html = admin_client.get(f"/clientview/show/{client_id}").get_data(as_text=True)
    assert "Reconciliation" in html
    assert "Not reconcilable 0.00 EUR" in html
    assert "not measured" in html


def test_nobody_edits_a_finding(admin_client, world):
    assert admin_client.get("/reconciliationfindingview/add").status_code in (302, 403, 404)


def revenue_tile(browser) -> list[str]:
    body = browser.get("/dashboards/api/headline").get_json()
    return next(t["values"] for t in body["tiles"] if t["key"] == "revenue_at_risk")


def page_totals(browser, world) -> list[str]:
    html = browser.get(page_url(world)).get_data(as_text=True)
    block = html.split('data-testid="revenue-at-risk"')[1].split("</div>")[0]
    return re.findall(r'data-currency="[A-Z]{3}">([^<]+)<', block)


def test_the_dashboard_tile_equals_the_pages_sum(manager_client, world):
    assert revenue_tile(manager_client) == page_totals(manager_client, world) == ["645.00 EUR", "100.00 USD"]


def test_an_account_managers_tile_sums_their_clients_as_their_page_does(account_manager_client, world):
    assert revenue_tile(account_manager_client) == page_totals(account_manager_client, world) == ["75.00 EUR"]
