"""Issue 17.5: the headline tiles agree with the charts that show the same measure.

Every tile that has a chart drawing the same measure is compared with that chart, through
HTTP as a manager, for the unfiltered overview and for client and service filters:

- SLA compliance: the compliance chart's last month (percent, met of measured);
- open tickets: the sum of the open-tickets chart's bars;
- license pools above 90 % use: the pools of the license chart (and the fullest of them);
- MRR: the last month end of the MRR chart, per currency;
- contracts ending within 30/60/90 days: the markers of the renewals chart in those windows.

The "Active clients" (or a client's status) and "Active contract value" tiles have no chart
of their own. A tile that a chosen service does not narrow says so ("all services").
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.dashboard_data import TODAY, build_known_data

MANAGER = "Manager"
RANGE = "range=custom&from=2026-04-01&to=2026-06-15"
#: The tiles with no chart of the same measure (revenue at risk agrees with its findings page instead:
#: tests/web/test_reconciliation_screens.py).
NO_CHART = {"active_clients", "client_status", "contract_value", "revenue_at_risk"}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("app.views.dashboards.today_utc", lambda: TODAY)


@pytest.fixture
def world(app, db_connection) -> dict[str, str]:
    from app.dashboards.models import rollup_state
    from app.extensions import db

    with app.app_context():
        db.session.execute(rollup_state.delete())
        data = build_known_data(db.session)
        db.session.commit()
        ids = {
            "alpha": str(data.alpha.id),
            "beta": str(data.beta.id),
            "edr": str(data.edr.id),
            "siem": str(data.siem.id),
        }
        db.session.remove()
    return ids


def views(world: dict[str, str]) -> list[str]:
    return [
        RANGE,
        f"{RANGE}&client={world['alpha']}",
        # Alpha has SLA measures of its EDR scope only: with SIEM chosen there is nothing.
        f"{RANGE}&client={world['alpha']}&service={world['siem']}",
        f"{RANGE}&client={world['alpha']}&service={world['edr']}",
        f"{RANGE}&service={world['siem']}",
        f"{RANGE}&client={world['beta']}",
        "range=quarter",
    ]


def tiles_of(browser, query: str) -> dict[str, dict]:
    body = browser.get(f"/dashboards/api/headline?{query}").get_json()
    return {tile["key"]: tile for tile in body["tiles"]}


def figure_of(browser, key: str, query: str) -> dict:
    response = browser.get(f"/dashboards/api/chart/{key}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["figure"]


def trace_named(figure: dict, name: str) -> dict:
    return next(t for t in figure["data"] if t["name"] == name)


def check_sla(tile: dict, figure: dict) -> None:
    if not figure["data"]:
        assert tile["values"] == ["—"], tile
        return
    compliance = trace_named(figure, "Compliance")
    assert tile["values"] == [f"{compliance['y'][-1]:.2f} %"], (tile, compliance)
    met, measured = (int(n) for n in compliance["customdata"][-1])
    assert f"{met:,} of {measured:,} met" in tile["note"], tile


def check_open_tickets(tile: dict, figure: dict) -> None:
    assert tile["values"] == [f"{sum(sum(t['y']) for t in figure['data']):,}"], tile


def check_pools(tile: dict, figure: dict) -> None:
    bars = figure["data"][0] if figure["data"] else {"y": [], "customdata": []}
    nearly_full = sum(1 for share, *_seats in bars["customdata"] if share > 90)
    assert tile["values"] == [f"{nearly_full:,} of {len(bars['y']):,}"], (tile, bars)


def check_mrr(tile: dict, figure: dict) -> None:
    shown = {t["name"][5:-1]: t["y"][-1] for t in figure["data"] if t["name"].startswith("MRR (")}
    if not shown:
        assert tile["values"] == ["—"], tile
        return
    assert tile["values"] == [f"{amount:,.2f} {currency}" for currency, amount in sorted(shown.items())]


def check_ending(tile: dict, figure: dict, today: date) -> None:
    ends = [date.fromisoformat(x) for t in figure["data"] for x in t["x"]]
    within = {days: sum(1 for d in ends if d <= today + timedelta(days=days)) for days in (30, 60, 90)}
    expected = [f"{days} days: {count:,}" for days, count in within.items()]
    assert tile["values"] == expected, (tile, ends)


def test_every_tile_agrees_with_its_chart_filtered_and_unfiltered(login_as, world):
    browser = login_as(MANAGER)
    for query in views(world):
        tiles = tiles_of(browser, query)
        checked = set()
        for key, chart, check in (
            ("sla_compliance", "sla_compliance", check_sla),
            ("open_tickets", "tickets_open", check_open_tickets),
            ("pools_nearly_full", "licenses", check_pools),
            ("mrr", "mrr_trend", check_mrr),
            ("contracts_ending", "renewals", lambda t, f: check_ending(t, f, TODAY)),
        ):
            check(tiles[key], figure_of(browser, chart, query))
            checked.add(key)
        assert set(tiles) - checked <= NO_CHART, (query, set(tiles) - checked)


def test_the_sla_tile_follows_the_client_and_service_filter(login_as, world):
    browser = login_as(MANAGER)
    alpha_siem = tiles_of(browser, f"{RANGE}&client={world['alpha']}&service={world['siem']}")
    # Today the tile said "50.00 %" (all of Alpha's measures) while the charts had no data.
    assert alpha_siem["sla_compliance"]["values"] == ["—"]
    assert "no SLA measures" in alpha_siem["sla_compliance"]["note"]
    alpha_edr = tiles_of(browser, f"{RANGE}&client={world['alpha']}&service={world['edr']}")
    assert alpha_edr["sla_compliance"]["values"] == ["50.00 %"]
    assert "May 2026" in alpha_edr["sla_compliance"]["note"]


def test_tiles_the_service_filter_does_not_narrow_say_so(login_as, world):
    browser = login_as(MANAGER)
    filtered = tiles_of(browser, f"{RANGE}&service={world['siem']}")
    for key in ("mrr", "open_tickets", "pools_nearly_full", "contract_value", "active_clients"):
        assert "all services" in filtered[key]["note"], filtered[key]
    for key in ("sla_compliance", "contracts_ending"):
        assert "all services" not in filtered[key]["note"], filtered[key]
    unfiltered = tiles_of(browser, RANGE)
    assert not any("all services" in tile["note"] for tile in unfiltered.values())
    # The contracts ending tile counts the SIEM contracts only: Beta's ends in 100 days.
    assert filtered["contracts_ending"]["values"] == ["30 days: 0", "60 days: 0", "90 days: 0"]


def test_the_mrr_chart_labels_each_month_once(login_as, world):
    figure = figure_of(login_as(MANAGER), "mrr_trend", "range=year")
    months = sorted({x[:7] for t in figure["data"] for x in t["x"]})
    layout = figure["layout"]
    axes = [v for k, v in layout.items() if k.startswith("xaxis") and v.get("tickvals")]
    assert axes, layout
    for axis in axes:
        assert [v[:7] for v in axis["tickvals"]] == months
        assert axis["ticktext"] == ["Apr 2026", "May 2026"]
        assert len(set(axis["ticktext"])) == len(axis["ticktext"])
