"""A client's service report over HTTP, as each role: the page, the CSV, who may open it (403),
bad periods (400 naming the field), and every figure equal to the dashboard's for that client
and period (the same queries: the exact-number check of issue 21)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import ROLE_USERS
from tests.dashboard_data import TODAY, build_known_data

ADMIN, MANAGER, ACCOUNT_MANAGER, ENGINEER = "Admin", "Manager", "Account Manager", "Engineer"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("app.views.reports.today_utc", lambda: TODAY)
    monkeypatch.setattr("app.views.dashboards.today_utc", lambda: TODAY)


@pytest.fixture
def world(app, db_connection) -> dict[str, str]:
    """The dashboards' known data set; the account manager is on Alpha's team (not Beta's)."""
    from app.dashboards.models import rollup_state
    from app.extensions import db
    from app.models.team import AssignmentRole, ClientTeamAssignment

    with app.app_context():
        db.session.execute(rollup_state.delete())
        data = build_known_data(db.session)
        manager = app.appbuilder.sm.find_user(email=ROLE_USERS[ACCOUNT_MANAGER])
        db.session.add(
            ClientTeamAssignment(
                user_id=manager.id, client_id=data.alpha.id, assignment_role=AssignmentRole.ACCOUNT_MANAGER
            )
        )
        db.session.commit()
        ids = {"alpha": str(data.alpha.id), "beta": str(data.beta.id)}
        db.session.remove()
    return ids


def csv_figures(body: str) -> dict[tuple[str, str, str], str]:
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["section", "item", "detail", "value", "unit"]
    return {(r[0], r[1], r[2]): r[3] for r in rows[1:]}


# --- the page and its sections ------------------------------------------------------------------


def test_the_report_page_shows_every_section_with_the_periods_figures(login_as, world):
    page = login_as(ACCOUNT_MANAGER).get(f"/clients/{world['alpha']}/report?period=2026-05")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Service report: Alpha Test GmbH" in html and "May 2026" in html
    assert "Account manager:</strong>\n       Account Tester" in html or "Account Tester" in html
    for section in (
        "Executive summary",
        "SLA per measure",
        "Tickets",
        "Service health",
        "Licenses and hardware",
        "Contracts and renewals",
        "Account manager's notes",
    ):
        assert section in html, section
    # May: the acknowledgement measure breached, availability met: 1 of 2.
    assert "50.00 %" in html and "1 of 2 measures met" in html
    assert "2026-05-01 – 2026-06-01" in html  # the breach and its dates
    # Sections without data say so in one line.
    assert "No tickets opened in this period." in html
    assert "No service metrics for this period." in html
    assert 'id="report-figures"' in html and "report-chart-sla_compliance" in html


def test_a_period_defaults_to_last_month_and_takes_quarters_and_ranges(login_as, world):
    browser = login_as(MANAGER)
    assert "May 2026" in browser.get(f"/clients/{world['alpha']}/report").get_data(as_text=True)
    assert "Q2 2026" in browser.get(f"/clients/{world['alpha']}/report?period=2026-Q2").get_data(as_text=True)
    ranged = browser.get(f"/clients/{world['alpha']}/report?from=2026-06-01&to=2026-06-15")
    assert ranged.status_code == 200 and "01 Jun 2026 – 15 Jun 2026" in ranged.get_data(as_text=True)


@pytest.mark.parametrize(
    "query, field",
    [
        ("period=2026-13", "period"),
        ("period=October", "period"),
        ("from=2026-06-10&to=2026-06-01", "to"),
        ("period=2026-06-01..2036-06-01", "from"),
    ],
)
def test_a_bad_period_is_refused_naming_the_field(login_as, world, query, field):
    response = login_as(MANAGER).get(f"/clients/{world['alpha']}/report?{query}")
    assert response.status_code == 400
    assert response.get_data(as_text=True).startswith(f"{field}:")


def test_an_unknown_client_is_404(login_as, world):
    assert login_as(ADMIN).get("/clients/00000000-0000-0000-0000-000000000000/report").status_code == 404


# --- who may open it ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, alpha, beta", [(ADMIN, 200, 200), (MANAGER, 200, 200), (ACCOUNT_MANAGER, 200, 403)]
)
def test_an_account_manager_opens_only_their_clients_reports(login_as, world, role, alpha, beta):
    browser = login_as(role)
    for client, expected in (("alpha", alpha), ("beta", beta)):
        for suffix in ("report", "report.csv"):
            response = browser.get(f"/clients/{world[client]}/{suffix}?period=2026-05")
            assert response.status_code == expected, (role, client, suffix)


def test_engineers_and_anonymous_people_get_no_report(login_as, client, world):
    response = login_as(ENGINEER).get(f"/clients/{world['alpha']}/report?period=2026-05")
    assert response.status_code in (302, 403)
    assert "Service report" not in response.get_data(as_text=True)
    assert client.get(f"/clients/{world['alpha']}/report.csv?period=2026-05").status_code in (302, 401, 403)


# --- the figures equal the dashboard's ------------------------------------------------------------


def dashboard_chart(browser, key: str, client_id: str, start: str, end: str) -> dict:
    response = browser.get(
        f"/dashboards/api/chart/{key}?range=custom&from={start}&to={end}&client={client_id}"
    )
    assert response.status_code == 200
    return response.get_json()["figure"]


@pytest.mark.parametrize(
    "period, start, end",
    [
        ("2026-04", "2026-04-01", "2026-04-30"),
        ("2026-05", "2026-05-01", "2026-05-31"),
        ("2026-Q2", "2026-04-01", "2026-06-30"),
        ("2026-06", "2026-06-01", "2026-06-30"),
    ],
)
@pytest.mark.parametrize("client_key", ["alpha", "beta"])
def test_sla_figures_equal_the_dashboards_for_that_client_and_period(
    login_as, world, period, start, end, client_key
):
    browser = login_as(ADMIN)
    client_id = world[client_key]
    figures = csv_figures(
        browser.get(f"/clients/{client_id}/report.csv?period={period}").get_data(as_text=True)
    )
    figure = dashboard_chart(browser, "sla_compliance", client_id, start, end)
    if figure["data"]:
        met = sum(c[0] for c in figure["data"][0]["customdata"])
        measures = sum(c[1] for c in figure["data"][0]["customdata"])
    else:
        met = measures = 0
    assert int(figures[("summary", "SLA measures met", "this period")]) == met
    assert int(figures[("summary", "SLA measures", "this period")]) == measures
    expected = f"{100 * met / measures:.2f}" if measures else ""
    assert figures[("summary", "SLA attainment", "this period")] == expected
    # The target-vs-actual chart's monthly figures, added up, are the report's per-measure ones.
    target_actual = dashboard_chart(browser, "sla_target_actual", client_id, start, end)
    assert ("sla" in {k[0] for k in figures}) == bool(target_actual["data"])


def test_ticket_health_and_contract_figures_equal_the_dashboards_queries(app, login_as, world):
    import uuid

    from app.dashboards.queries import health, licenses, tickets
    from app.extensions import db
    from app.services.reports.period import ReportPeriod

    browser = login_as(ADMIN)
    period = ReportPeriod.parse("2026-06")
    for client_key in ("alpha", "beta"):
        client_id = uuid.UUID(world[client_key])
        figures = csv_figures(
            browser.get(f"/clients/{client_id}/report.csv?period=2026-06").get_data(as_text=True)
        )
        with app.app_context():
            filters = period.filters(client_id)
            totals = tickets.ticket_totals(db.session, filters)
            by_status = tickets.tickets_opened_by_priority_status(db.session, filters)
            rows = health.health_over_range(db.session, filters)
            pools = licenses.license_usage(db.session, client_id).pools
            open_now = tickets.open_tickets(db.session, client_id)
        assert int(figures[("summary", "tickets opened", "this period")]) == totals.opened
        assert int(figures[("summary", "tickets resolved", "this period")]) == totals.resolved
        for row in by_status:
            assert int(figures[("tickets", row.priority, row.status)]) == row.tickets
        for row in rows:
            assert (
                float(figures[("service health", f"{row.service_name}: {row.metric_name}", "average")])
                == row.average
            )
        for pool in pools:
            assert (
                int(figures[("licenses", f"{pool.vendor} {pool.product_name}", "seats")]) == pool.client_seats
            )
        # June's tickets are still open: the report's count equals the dashboard's open backlog.
        assert totals.opened == sum(t.tickets for t in open_now) + (1 if client_key == "beta" else 0)
    alpha = csv_figures(
        browser.get(f"/clients/{world['alpha']}/report.csv?period=2026-06").get_data(as_text=True)
    )
    assert alpha[("service health", "Test EDR: endpoints_online_pct", "average")] == "95.0"
    assert alpha[("summary", "tickets opened", "this period")] == "2"
    assert alpha[("summary", "incidents", "this period: critical")] == "1"


def test_the_csv_has_the_previous_period_for_changes(login_as, world):
    figures = csv_figures(
        login_as(ADMIN).get(f"/clients/{world['alpha']}/report.csv?period=2026-05").get_data(as_text=True)
    )
    assert figures[("summary", "SLA attainment", "this period")] == "50.00"
    assert figures[("summary", "SLA attainment", "April 2026")] == "100.00"
    assert figures[("sla", "P1 time to acknowledge", "actual")] == "18.0000"
    assert figures[("contracts", "Alpha MDR", "2025-07-01..2026-07-05")] == "12000.00"
