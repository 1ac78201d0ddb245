"""The dashboards through HTTP, as each role: who sees which charts and numbers, the JSON
endpoints' permissions, empty states, and plotly.js served by the app itself."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from app.dashboards import plotly_bundle
from app.dashboards.charts import CHARTS, NOT_ON_TEAM
from tests.conftest import ROLE_USERS
from tests.dashboard_data import TODAY, build_known_data

ADMIN, MANAGER, ACCOUNT_MANAGER, ENGINEER = "Admin", "Manager", "Account Manager", "Engineer"
ROLES = (ADMIN, MANAGER, ACCOUNT_MANAGER, ENGINEER)
RANGE = "range=custom&from=2026-04-01&to=2026-06-15"
MONEY_CHARTS = {c.key for c in CHARTS if c.financial}
OTHER_CHARTS = {c.key for c in CHARTS if not c.financial}
CHART_DATA = re.compile(r'<script type="application/json" id="chart-([a-z_]+)-data">')


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("app.views.dashboards.today_utc", lambda: TODAY)


@pytest.fixture
def world(app, db_connection) -> dict[str, str]:
    """The known data set; the account manager is on Alpha's team (not Beta's)."""
    from app.dashboards.models import rollup_state
    from app.extensions import db
    from app.models.team import AssignmentRole, ClientTeamAssignment

    with app.app_context():
        # The live path on known data: no rollup counts as built (undone with the test's transaction).
        db.session.execute(rollup_state.delete())
        data = build_known_data(db.session)
        manager = app.appbuilder.sm.find_user(email=ROLE_USERS[ACCOUNT_MANAGER])
        db.session.add(
            ClientTeamAssignment(
                user_id=manager.id, client_id=data.alpha.id, assignment_role=AssignmentRole.ACCOUNT_MANAGER
            )
        )
        db.session.commit()
        ids = {"alpha": str(data.alpha.id), "beta": str(data.beta.id), "edr": str(data.edr.id)}
        db.session.remove()
    return ids


def panels(html: str) -> set[str]:
    return set(re.findall(r'id="panel-([a-z_]+)"', html))


def drawn(html: str) -> set[str]:
    return set(CHART_DATA.findall(html))


def chart(browser, key: str, query: str = RANGE):
    return browser.get(f"/dashboards/api/chart/{key}?{query}")


# --- who sees what ---------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_the_login(client):
    response = client.get("/dashboards/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/dashboards/api/chart/sla_compliance").status_code == 401
    assert client.get("/dashboards/api/headline").status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_the_overview_shows_money_to_managers_and_account_managers_only(login_as, world, role):
    html = login_as(role).get(f"/dashboards/?{RANGE}").get_data(as_text=True)
    expected = OTHER_CHARTS | (MONEY_CHARTS if role != ENGINEER else set())
    assert panels(html) == expected
    # On a custom range the top clients are summed live: the browser fetches them after the page.
    assert drawn(html) == expected - {"revenue_top_clients"}
    if role == ENGINEER:
        assert 'data-tile="contract_value"' not in html and "EUR" not in html and "USD" not in html
    else:
        assert "12,000.00 EUR" in html


def test_top_clients_are_drawn_in_the_page_for_presets_and_fetched_later_for_custom_ranges(login_as, world):
    browser = login_as(MANAGER)
    custom = browser.get(f"/dashboards/?{RANGE}").get_data(as_text=True)
    panel = custom[custom.index('id="panel-revenue_top_clients"') :]
    panel = panel[: panel.index('<div class="col-md-6')] if '<div class="col-md-6' in panel else panel
    assert "data-deferred" in panel and "Loading…" in panel
    preset = browser.get("/dashboards/?range=quarter").get_data(as_text=True)
    assert "revenue_top_clients" in drawn(preset)
    assert "data-deferred" not in preset
    top = chart(browser, "revenue_top_clients").get_json()["figure"]["data"]
    assert [(t["name"], t["y"]) for t in top] == [
        ("Revenue (EUR)", ["Alpha Test GmbH"]),
        ("Revenue (USD)", ["Beta Test Inc"]),
    ]


def test_top_clients_of_a_custom_range_add_rollup_months_and_edge_days(app, login_as, world):
    from app.dashboards.rollups import refresh_rollups
    from app.extensions import db

    with app.app_context():
        refresh_rollups(full=True, today=TODAY)
        db.session.remove()
    # 10 April to 12 June: May whole from the rollup, 1 April left out, Beta's 10 June counted.
    response = chart(login_as(MANAGER), "revenue_top_clients", "range=custom&from=2026-04-10&to=2026-06-12")
    top = response.get_json()["figure"]["data"]
    assert [(t["name"], t["y"], t["x"]) for t in top] == [
        ("Revenue (EUR)", ["Alpha Test GmbH"], [1000.0]),
        ("Revenue (USD)", ["Beta Test Inc"], [2500.0]),
    ]


def test_everyone_sees_the_operational_charts_with_data(login_as, world):
    html = login_as(ENGINEER).get(f"/dashboards/?{RANGE}").get_data(as_text=True)
    assert {"sla_compliance", "tickets_open", "health_latest", "licenses"} <= drawn(html)
    assert "No SLA metrics" not in html


@pytest.mark.parametrize(("role", "usd_shown"), [(ADMIN, True), (MANAGER, True), (ACCOUNT_MANAGER, False)])
def test_money_numbers_cover_the_clients_the_viewer_may_see(login_as, world, role, usd_shown):
    browser = login_as(role)
    html = browser.get(f"/dashboards/?{RANGE}").get_data(as_text=True)
    assert "12,000.00 EUR" in html
    assert ("24,000.00 USD" in html) is usd_shown
    figure = chart(browser, "revenue_monthly").get_json()["figure"]
    names = {trace["name"] for trace in figure["data"]}
    assert ("Revenue (USD)" in names) is usd_shown and "Revenue (EUR)" in names
    if role == ACCOUNT_MANAGER:
        assert "your 1 client" in html and "your 1 clients" not in html


@pytest.mark.parametrize("role", ROLES)
def test_chart_endpoints_answer_per_role(login_as, world, role):
    browser = login_as(role)
    for key in OTHER_CHARTS:
        response = chart(browser, key)
        assert response.status_code == 200, (role, key)
        assert response.get_json()["key"] == key and "data" in response.get_json()["figure"]
    for key in MONEY_CHARTS:
        assert chart(browser, key).status_code == (403 if role == ENGINEER else 200), (role, key)


def test_an_account_manager_sees_money_only_of_their_clients(login_as, world):
    browser = login_as(ACCOUNT_MANAGER)
    for key in MONEY_CHARTS:
        assert chart(browser, key, f"{RANGE}&client={world['alpha']}").status_code == 200, key
        refused = chart(browser, key, f"{RANGE}&client={world['beta']}")
        assert refused.status_code == 403 and refused.get_json()["message"] == NOT_ON_TEAM
    assert chart(browser, "sla_compliance", f"{RANGE}&client={world['beta']}").status_code == 200

    page = browser.get(f"/dashboards/client/{world['beta']}?{RANGE}").get_data(as_text=True)
    assert NOT_ON_TEAM in page and "24,000.00 USD" not in page
    assert not drawn(page) & MONEY_CHARTS and "sla_compliance" in drawn(page)
    own = browser.get(f"/dashboards/client/{world['alpha']}?{RANGE}").get_data(as_text=True)
    assert NOT_ON_TEAM not in own and "12,000.00 EUR" in own and {"revenue_monthly", "renewals"} <= drawn(own)


def test_the_client_dashboard_shows_that_clients_figures(login_as, world):
    browser = login_as(MANAGER)
    html = browser.get(f"/dashboards/client/{world['beta']}?{RANGE}").get_data(as_text=True)
    assert "Beta Test Inc" in html and "24,000.00 USD" in html and "12,000.00 EUR" not in html
    assert "tickets_by_client" not in panels(html) and "revenue_top_clients" not in panels(html)
    tiles = browser.get(f"/dashboards/api/headline?{RANGE}&client={world['beta']}").get_json()["tiles"]
    assert {t["key"]: t["values"] for t in tiles}["open_tickets"] == ["1"]
    licenses = json.loads(re.search(r'id="chart-licenses-data">(.*?)</script>', html, re.S).group(1))
    assert [t["name"] for t in licenses["data"]] == ["This client", "Other clients", "Free"]


def test_headline_numbers_per_currency(login_as, world):
    tiles = login_as(MANAGER).get(f"/dashboards/api/headline?{RANGE}").get_json()["tiles"]
    values = {t["key"]: t["values"] for t in tiles}
    assert values["active_clients"] == ["2"]
    assert values["contract_value"] == ["12,000.00 EUR", "24,000.00 USD"]
    assert values["mrr"] == ["1,000.00 EUR", "2,000.00 USD"]
    assert values["open_tickets"] == ["3"]
    assert values["sla_compliance"] == ["66.67 %"]
    assert values["contracts_ending"] == ["30 days: 1", "60 days: 1", "90 days: 1"]
    assert values["pools_nearly_full"] == ["1 of 2"]
    engineer = {t["key"] for t in login_as(ENGINEER).get("/dashboards/api/headline").get_json()["tiles"]}
    assert not engineer & {"contract_value", "mrr", "contracts_ending"}


# --- filters, errors, empty states -----------------------------------------------------------


def test_filters_stay_in_the_chart_urls(login_as, world):
    html = login_as(MANAGER).get(f"/dashboards/?{RANGE}&service={world['edr']}").get_data(as_text=True)
    assert (
        f"/dashboards/api/chart/sla_compliance?range=custom&amp;from=2026-04-01&amp;to=2026-06-15"
        f"&amp;service={world['edr']}" in html
    )
    assert 'value="custom" selected' in html


def test_wrong_filters_and_unknown_clients(login_as, world):
    browser = login_as(MANAGER)
    page = browser.get("/dashboards/?range=fortnight")
    assert page.status_code == 200 and "Unknown date range" in page.get_data(as_text=True)
    refused = browser.get("/dashboards/api/chart/sla_compliance?range=custom&from=nope")
    assert refused.status_code == 400 and refused.get_json()["field"] == "from"
    unknown = "00000000-0000-0000-0000-000000000000"
    assert browser.get(f"/dashboards/client/{unknown}").status_code == 404
    assert browser.get(f"/dashboards/api/chart/sla_compliance?client={unknown}").status_code == 404
    assert browser.get("/dashboards/api/chart/no_such_chart").status_code == 404
    assert browser.get("/dashboards/client/not-a-uuid").status_code == 404


def test_empty_states_say_what_is_missing(login_as):
    html = login_as(MANAGER).get("/dashboards/").get_data(as_text=True)
    assert "No SLA metrics for this period yet: configure a data source" in html
    assert "No service metrics yet: configure a data source (e.g. Grafana)" in html
    assert "No tickets in this period: connect a ticketing data source" in html
    assert "No revenue or cost recorded in this period." in html
    assert "No license pools yet." in html
    assert drawn(html) == set()
    payload = login_as(MANAGER).get("/dashboards/api/chart/sla_compliance").get_json()
    assert payload["empty_message"].startswith("No SLA metrics") and payload["figure"]["data"] == []


def test_client_search_for_the_client_filter(login_as, world):
    found = login_as(ENGINEER).get("/dashboards/api/clients?q=Alp").get_json()["clients"]
    assert found == [{"id": world["alpha"], "name": "Alpha Test GmbH"}]


# --- assets: plotly.js from the app, nothing from elsewhere ----------------------------------


def test_the_page_loads_plotly_from_the_app_and_nothing_from_other_hosts(login_as, world):
    browser = login_as(MANAGER)
    response = browser.get(f"/dashboards/?{RANGE}")
    html = response.get_data(as_text=True)
    scripts = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    assert f"/dashboards/assets/plotly-{plotly_bundle.BUNDLE_VERSION}.min.js" in scripts
    for url in scripts + re.findall(r'<link[^>]*\shref="([^"]+)"', html):
        assert url.startswith("/") and not url.startswith("//"), url
    assert not re.search(r'(src|href|action)="(https?:)?//', html)
    assert "cdn.plot.ly" not in html and "cdn" not in " ".join(scripts)
    # plotly.js puts its CSS into this element; the nonce lets the CSP accept it.
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<style id="plotly.js-style-global" nonce="{nonce}"></style>' in html
    url = f"/dashboards/assets/plotly-{plotly_bundle.BUNDLE_VERSION}.min.js"
    asset = browser.get(url)
    assert asset.status_code == 200 and asset.mimetype == "text/javascript"
    assert b"plotly.js" in asset.data[:500] and "max-age" in asset.headers["Cache-Control"]
    # Compressed for a browser that accepts it (issue 19.7): a third of the bytes, same script.
    packed = browser.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == asset.data
    assert len(packed.data) < len(asset.data) / 2.5 and len(packed.data) < 600_000
    assert browser.get("/dashboards/assets/plotly-0.0.1.min.js").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_the_dashboards_menu_first(login_as, role):
    browser = login_as(role)
    html = browser.get("/").get_data(as_text=True)
    sidebar = html[html.index('id="mssp-sidebar"') :]
    first_link = re.search(r'<a [^>]*href="([^"]+)"', sidebar).group(1)
    assert first_link == "/dashboards/"
    assert browser.get(first_link).status_code == 200
