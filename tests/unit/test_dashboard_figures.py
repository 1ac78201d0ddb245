"""Dashboard figure builders, filters and access rules: pure functions, no database."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import plotly.io as pio
import pytest

from app.dashboards.access import DashboardAccess, FinanceScope, finance_scope_for
from app.dashboards.figures import finance as finance_figures
from app.dashboards.figures import health as health_figures
from app.dashboards.figures import licenses as license_figures
from app.dashboards.figures import renewals as renewal_figures
from app.dashboards.figures import sla as sla_figures
from app.dashboards.figures import tickets as ticket_figures
from app.dashboards.figures.common import (
    cap_points,
    decode_typed_array,
    empty_message,
    figure_json,
    label,
    typed_array,
)
from app.dashboards.filters import MAX_POINTS, DashboardFilters, FilterError, week_start
from app.dashboards.queries.finance import MonthMoney, MrrMonth
from app.dashboards.queries.health import LatestValue, MetricSeries
from app.dashboards.queries.licenses import PoolUsage
from app.dashboards.queries.renewals import EndingContract, EndingWeek, Renewals
from app.dashboards.queries.sla import SlaCompliance, SlaMonth
from app.dashboards.queries.tickets import ClientBacklog, TicketCount, TicketWeek
from app.dashboards.queries.top_clients import ClientRevenue

TODAY = date(2026, 6, 15)
JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)
SERVICE = uuid.uuid4()


def validated(figure) -> dict:
    """The figure as plotly.js gets it, after Plotly's full validation (raises if invalid).

    The builders write plain dicts (no `plotly.graph_objects` in a worker): this is where
    every property name and value is checked against Plotly's schema.
    """
    return pio.from_json(figure_json(figure), skip_invalid=False).to_plotly_json()


def points(values) -> list:
    """A trace's x or y values, typed array or list."""
    return decode_typed_array(values) if isinstance(values, dict) else list(values)


# --- filters ---------------------------------------------------------------------------------


def test_presets_end_today_and_cover_their_days():
    for preset, days in (("30d", 30), ("quarter", 90), ("year", 365)):
        filters = DashboardFilters.from_args({"range": preset}, TODAY)
        assert filters.date_to == TODAY and filters.days == days
        assert filters.to_args() == {"range": preset}


def test_default_is_the_quarter():
    assert DashboardFilters.from_args({}, TODAY) == DashboardFilters.for_preset("quarter", TODAY)


def test_custom_range_client_and_service_round_trip_through_the_url():
    client = uuid.uuid4()
    args = {
        "range": "custom",
        "from": "2026-01-10",
        "to": "2026-02-20",
        "client": str(client),
        "service": str(SERVICE),
    }
    filters = DashboardFilters.from_args(args, TODAY)
    assert (filters.date_from, filters.date_to) == (date(2026, 1, 10), date(2026, 2, 20))
    assert filters.client_id == client and filters.service_id == SERVICE
    assert filters.to_args() == args
    assert filters.start == datetime(2026, 1, 10, tzinfo=UTC)
    assert filters.end == datetime(2026, 2, 21, tzinfo=UTC)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"range": "fortnight"}, "range"),
        ({"range": "custom"}, "from"),
        ({"range": "custom", "from": "2026-13-01"}, "from"),
        ({"range": "custom", "from": "2026-03-01", "to": "2026-02-01"}, "to"),
        ({"range": "custom", "from": "2010-01-01", "to": "2026-01-01"}, "from"),
        ({"client": "not-a-uuid"}, "client"),
        ({"service": "42"}, "service"),
    ],
)
def test_wrong_filters_are_refused_with_the_field_named(args, field):
    with pytest.raises(FilterError) as refused:
        DashboardFilters.from_args(args, TODAY)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("days", "bucket"), [(7, "hour"), (30, "2 hours"), (90, "6 hours"), (365, "day"), (1500, "week")]
)
def test_metric_buckets_keep_series_short(days, bucket):
    filters = DashboardFilters("custom", TODAY - timedelta(days=days - 1), TODAY)
    name, length = filters.metric_bucket()
    assert name == bucket
    assert (filters.end - filters.start) / length <= MAX_POINTS


def test_weeks_start_on_monday():
    assert week_start(date(2026, 6, 14)) == date(2026, 6, 8)  # a Sunday -> its Monday
    assert week_start(date(2026, 6, 8)) == date(2026, 6, 8)


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "scope"),
    [
        (["Admin"], FinanceScope.ALL),
        (["Manager"], FinanceScope.ALL),
        (["Account Manager"], FinanceScope.ASSIGNED),
        (["Engineer"], FinanceScope.NONE),
        (["Engineer", "Account Manager"], FinanceScope.ASSIGNED),
        (["Account Manager", "Manager"], FinanceScope.ALL),
        (["Some Custom Role"], FinanceScope.NONE),
    ],
)
def test_money_scope_is_the_widest_the_roles_grant(roles, scope):
    assert finance_scope_for(roles) is scope


def test_an_account_manager_sees_money_of_assigned_clients_only():
    mine, other = uuid.uuid4(), uuid.uuid4()
    access = DashboardAccess(FinanceScope.ASSIGNED, frozenset({mine}))
    assert access.may_see_finance_of(mine) and not access.may_see_finance_of(other)
    assert access.may_see_finance_of(None)  # the overview: their clients' totals
    assert access.finance_client_ids(None) == frozenset({mine})
    assert access.finance_client_ids(mine) == frozenset({mine})
    assert DashboardAccess(FinanceScope.ALL).finance_client_ids(None) is None
    engineer = DashboardAccess(FinanceScope.NONE)
    assert not engineer.sees_finance and not engineer.may_see_finance_of(None)


# --- common helpers --------------------------------------------------------------------------


def test_cap_points_merges_runs_down_to_the_limit():
    xs, ys = list(range(5000)), [float(i) for i in range(5000)]
    capped_x, capped_y = cap_points(xs, ys)
    assert len(capped_x) == len(capped_y) <= MAX_POINTS
    assert capped_x[0] == 0 and capped_y[0] == 1.0  # mean of 0, 1, 2
    assert cap_points([1, 2], [3.0, None]) == ([1, 2], [3.0, None])


def test_typed_arrays_round_trip_with_gaps():
    values = [1.5, None, -2.25, 1e9]
    spec = typed_array(values)
    assert spec["dtype"] == "f8" and isinstance(spec["bdata"], str)
    assert decode_typed_array(spec) == values


def test_database_text_cannot_inject_markup_into_a_chart():
    assert label("A&B <script>") == "A&amp;B &lt;script&gt;"


# --- SLA -------------------------------------------------------------------------------------


def sla_month(
    month, name="P1 time to acknowledge", unit="minutes", measures=10, breached=2, target="15", actual="12.5"
) -> SlaMonth:
    return SlaMonth(month, name, unit, measures, breached, Decimal(target), Decimal(actual))


def test_compliance_figure_has_monthly_and_rolling_percentages():
    rows = [
        SlaCompliance(JAN, 10, 9, Decimal("90.00"), Decimal("90.00")),
        SlaCompliance(FEB, 10, 10, Decimal("100.00"), Decimal("95.00")),
    ]
    figure = validated(sla_figures.compliance_figure(rows))
    monthly, rolling = figure["data"]
    assert monthly["name"] == "Compliance" and rolling["name"] == "3-month rolling"
    assert monthly["x"] == ["2026-01-01", "2026-02-01"] and monthly["y"] == [90.0, 100.0]
    assert rolling["y"] == [90.0, 95.0]
    assert "%" in monthly["hovertemplate"] and "customdata[1]" in monthly["hovertemplate"]
    assert figure["layout"]["yaxis"]["ticksuffix"] == " %"


def test_target_actual_has_one_panel_per_metric_with_its_unit():
    rows = [
        sla_month(JAN),
        sla_month(FEB),
        sla_month(JAN, "Monitoring availability", "percent", target="99.9", actual="99.95"),
    ]
    figure = validated(sla_figures.target_actual_figure(rows, averaged=True))
    traces = figure["data"]
    assert [t["name"] for t in traces] == ["Actual (average of clients)", "Target"] * 2
    first, second = traces[0], traces[2]
    assert (first["yaxis"], second["yaxis"]) == ("y", "y2")
    assert " min actual" in first["hovertemplate"] and " % actual" in second["hovertemplate"]
    layout = figure["layout"]
    assert layout["yaxis"]["title"]["text"] == "minutes" and layout["yaxis2"]["title"]["text"] == "percent"
    assert traces[1]["y"] == [15.0, 15.0]


def test_breaches_are_stacked_per_metric():
    rows = [sla_month(JAN, breached=2), sla_month(JAN, "P1 time to resolve", "hours", breached=1)]
    figure = validated(sla_figures.breaches_figure(rows))
    assert figure["layout"]["barmode"] == "stack"
    assert {t["name"]: t["y"] for t in figure["data"]} == {
        "P1 time to acknowledge": [2],
        "P1 time to resolve": [1],
    }


# --- tickets ---------------------------------------------------------------------------------


def test_open_tickets_are_bars_per_priority_stacked_by_status():
    rows = [
        TicketCount("critical", "open", 2),
        TicketCount("low", "open", 1),
        TicketCount("high", "waiting_on_client", 3),
    ]
    figure = validated(ticket_figures.open_tickets_figure(rows))
    assert {t["name"] for t in figure["data"]} == {"Open", "Waiting on client"}
    assert figure["layout"]["xaxis"]["categoryarray"][0] == "P1 critical"
    assert all("tickets" in t["hovertemplate"] for t in figure["data"])


def test_ticket_flow_shows_created_resolved_and_breached_per_week():
    rows = [TicketWeek(date(2026, 6, 1), 5, 3, 1), TicketWeek(date(2026, 6, 8), 0, 2, 0)]
    figure = validated(ticket_figures.ticket_flow_figure(rows))
    assert [(t["name"], t["y"]) for t in figure["data"]] == [
        ("Created", [5, 0]),
        ("Resolved", [3, 2]),
        ("Created and breached SLA", [1, 0]),
    ]


def test_backlog_puts_the_busiest_client_on_top():
    rows = [ClientBacklog(uuid.uuid4(), "Busy", 9, 4), ClientBacklog(uuid.uuid4(), "Calm", 2, 0)]
    urgent, rest = validated(ticket_figures.backlog_by_client_figure(rows))["data"]
    assert urgent["y"] == ["Calm", "Busy"] and urgent["x"] == [0, 4] and rest["x"] == [2, 5]


# --- service health --------------------------------------------------------------------------


def series(count: int, unit: str = "%", metric: str = "endpoints_online_pct") -> MetricSeries:
    start = datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000
    return MetricSeries(
        SERVICE,
        "Managed EDR",
        metric,
        unit,
        [start + i * 3_600_000 for i in range(count)],
        [95.0 + (i % 3) for i in range(count)],
        [90.0] * count,
        [99.0] * count,
        [4] * count,
    )


def test_fleet_series_has_a_min_max_band_and_date_axis():
    figure = validated(health_figures.metric_series_figure([series(48)], fleet=True, bucket="hour"))
    names = [t["name"] for t in figure["data"]]
    assert names == ["Minimum", "Maximum", "Average of clients"]
    average = figure["data"][2]
    assert points(average["y"])[:3] == [95.0, 96.0, 97.0]
    assert points(average["x"])[0] == datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000
    assert figure["layout"]["xaxis"]["type"] == "date"
    assert " %" in average["hovertemplate"] and "per hour" in average["hovertemplate"]
    assert figure["data"][1]["fill"] == "tonexty"


def test_no_trace_carries_more_than_2000_points():
    figure = validated(
        health_figures.metric_series_figure(
            [series(9000), series(9000, "eps", "events_per_second")], fleet=True, bucket="hour"
        )
    )
    assert len(figure["data"]) == 6
    for trace in figure["data"]:
        assert 0 < len(points(trace["x"])) == len(points(trace["y"])) <= MAX_POINTS


def test_client_series_has_one_line_per_metric_and_units_on_axes():
    figure = validated(
        health_figures.metric_series_figure(
            [series(5), series(5, "eps", "events_per_second")], fleet=False, bucket="day"
        )
    )
    assert [t["name"] for t in figure["data"]] == ["endpoints_online_pct", "events_per_second"]
    assert " eps" in figure["data"][1]["hovertemplate"]
    assert figure["layout"]["yaxis2"]["title"]["text"] == "eps"


def test_latest_values_are_bullet_gauges_with_units():
    now = datetime(2026, 6, 15, tzinfo=UTC)
    rows = [
        LatestValue(SERVICE, "Managed EDR", "endpoints_online_pct", "%", 97.5, 91.0, 99.5, 12, now),
        LatestValue(SERVICE, "Managed SIEM", "events_per_second", "eps", 2400.0, 800.0, 5100.0, 12, now),
    ]
    fleet = validated(health_figures.latest_values_figure(rows, fleet=True))
    percent, eps = fleet["data"]
    assert percent["type"] == "indicator" and percent["gauge"]["shape"] == "bullet"
    assert percent["number"]["suffix"] == " %" and percent["gauge"]["axis"]["range"] == [0, 100]
    assert eps["number"]["suffix"] == " eps" and eps["gauge"]["axis"]["range"][1] > 5100
    assert percent["gauge"]["steps"][0]["range"] == [91.0, 99.5]
    assert "12 clients" in percent["title"]["text"]
    one_client = validated(health_figures.latest_values_figure(rows, fleet=False))
    assert "steps" not in one_client["data"][0]["gauge"]


# --- money -----------------------------------------------------------------------------------


def money_rows() -> list[MonthMoney]:
    return [
        MonthMoney(JAN, "EUR", Decimal("1000.50"), Decimal("400.00"), Decimal("600.50")),
        MonthMoney(FEB, "EUR", Decimal("1100.00"), Decimal("500.00"), Decimal("600.00")),
        MonthMoney(JAN, "USD", Decimal("2000.00"), Decimal("2500.00"), Decimal("-500.00")),
    ]


def test_revenue_is_drawn_per_currency_and_never_summed():
    figure = validated(finance_figures.revenue_cost_figure(money_rows()))
    traces = figure["data"]
    assert [t["name"] for t in traces] == [
        "Revenue (EUR)",
        "Cost (EUR)",
        "Margin (EUR)",
        "Revenue (USD)",
        "Cost (USD)",
        "Margin (USD)",
    ]
    for trace in traces:
        currency = trace["name"][-4:-1]
        other = "USD" if currency == "EUR" else "EUR"
        assert f"{currency}<extra>" in trace["hovertemplate"] and other not in trace["hovertemplate"]
        assert ",.2f" in trace["hovertemplate"]
        assert trace["yaxis"] == ("y" if currency == "EUR" else "y2")
    assert traces[0]["y"] == [1000.5, 1100.0] and traces[3]["y"] == [2000.0]
    assert figure["layout"]["yaxis"]["title"]["text"] == "EUR"
    assert figure["layout"]["yaxis2"]["title"]["text"] == "USD"
    # No value anywhere is a cross-currency total (1000.50 + 2000.00).
    assert "3000.5" not in json.dumps(figure)


def test_top_clients_are_ranked_per_currency():
    rows = [
        ClientRevenue("EUR", 1, uuid.uuid4(), "Alpha", Decimal("900")),
        ClientRevenue("EUR", 2, uuid.uuid4(), "Beta", Decimal("100")),
        ClientRevenue("USD", 1, uuid.uuid4(), "Gamma", Decimal("50")),
    ]
    figure = validated(finance_figures.top_clients_figure(rows))
    eur, usd = figure["data"]
    assert eur["y"] == ["Beta", "Alpha"] and eur["x"] == [100.0, 900.0] and eur["xaxis"] == "x"
    assert usd["y"] == ["Gamma"] and usd["xaxis"] == "x2" and "USD" in usd["hovertemplate"]


def test_mrr_trend_has_a_panel_per_currency_and_the_clients_panel():
    rows = [
        MrrMonth(date(2026, 1, 31), "EUR", Decimal("500"), 3, None),
        MrrMonth(date(2026, 2, 28), "EUR", Decimal("650"), 4, Decimal("150")),
        MrrMonth(date(2026, 1, 31), "USD", Decimal("900"), 5, None),
    ]
    figure = validated(finance_figures.mrr_figure(rows, show_clients=True))
    assert [(t["name"], t["yaxis"]) for t in figure["data"]] == [
        ("MRR (EUR)", "y"),
        ("Active clients (EUR contracts)", "y3"),
        ("MRR (USD)", "y2"),
        ("Active clients (USD contracts)", "y3"),
    ]
    assert figure["data"][0]["customdata"] == [[0], [150.0]]
    without = validated(finance_figures.mrr_figure(rows, show_clients=False))
    assert len(without["data"]) == 2


def test_renewals_are_contracts_on_a_timeline_or_weekly_sums():
    contract = EndingContract(
        uuid.uuid4(), "MDR 2026", uuid.uuid4(), "Alpha", date(2026, 7, 1), Decimal("12000"), "EUR"
    )
    one_by_one = validated(
        renewal_figures.renewals_figure(Renewals(date(2026, 12, 12), contracts=[contract]), "2026-06-15")
    )
    marker = one_by_one["data"][0]
    assert marker["type"] == "scatter" and marker["x"] == ["2026-07-01"] and marker["y"] == [12000.0]
    assert marker["customdata"] == [["Alpha", "MDR 2026"]] and "EUR" in marker["hovertemplate"]
    assert one_by_one["layout"]["xaxis"]["range"] == ["2026-06-15", "2026-12-12"]
    weeks = [
        EndingWeek(date(2026, 6, 29), "EUR", 40, Decimal("1e6")),
        EndingWeek(date(2026, 6, 29), "USD", 2, Decimal("300")),
    ]
    weekly = validated(
        renewal_figures.renewals_figure(Renewals(date(2026, 12, 12), weeks=weeks), "2026-06-15")
    )
    assert [(t["type"], t["yaxis"]) for t in weekly["data"]] == [("bar", "y"), ("bar", "y2")]


def test_license_usage_splits_used_and_free_seats():
    pools = [
        PoolUsage(uuid.uuid4(), "Vendor", "EDR", 100, 95, 10),
        PoolUsage(uuid.uuid4(), "Vendor", "SIEM", 50, 5, 0),
    ]
    overview = validated(license_figures.license_usage_figure(pools, for_client=False))
    # Shares of each pool (a 50-seat pool is as long as a 100-seat one), seats in the hover data.
    assert [(t["name"], t["x"]) for t in overview["data"]] == [("Assigned", [10, 95]), ("Free", [90, 5])]
    assert [row[2] for row in overview["data"][0]["customdata"]] == [5, 95]
    assert [a["text"] for a in overview["layout"]["annotations"]] == ["5 / 50", "95 / 100"]
    client = validated(license_figures.license_usage_figure(pools, for_client=True))
    assert [t["name"] for t in client["data"]] == ["This client", "Other clients", "Free"]
    assert client["data"][0]["x"] == [0, 10] and client["data"][1]["x"] == [10, 85]
    assert [row[2] for row in client["data"][1]["customdata"]] == [5, 85]


def test_a_small_license_pool_is_drawn_as_long_as_a_large_one():
    pools = [
        PoolUsage(uuid.uuid4(), "Vendor", "EDR", 5000, 4000, 0),
        PoolUsage(uuid.uuid4(), "Vendor", "Vault", 10, 8, 0),
    ]
    figure = validated(license_figures.license_usage_figure(pools, for_client=False))
    assigned, free = figure["data"]
    assert assigned["x"] == [80, 80] and free["x"] == [20, 20]


# --- empty states ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "needle"),
    [
        (lambda: sla_figures.compliance_figure([]), "configure a data source"),
        (lambda: sla_figures.target_actual_figure([], averaged=True), "No SLA metrics"),
        (lambda: sla_figures.breaches_figure([]), "No SLA metrics"),
        (lambda: ticket_figures.open_tickets_figure([]), "No open tickets"),
        (
            lambda: ticket_figures.ticket_flow_figure([TicketWeek(JAN, 0, 0, 0)]),
            "connect a ticketing data source",
        ),
        (lambda: ticket_figures.backlog_by_client_figure([]), "No open tickets"),
        (lambda: health_figures.latest_values_figure([], fleet=True), "configure a data source"),
        (lambda: health_figures.metric_series_figure([], fleet=True, bucket="hour"), "No service metrics"),
        (lambda: finance_figures.revenue_cost_figure([]), "No revenue or cost"),
        (lambda: finance_figures.top_clients_figure([]), "No revenue"),
        (lambda: finance_figures.mrr_figure([], show_clients=True), "No subscription snapshots"),
        (lambda: renewal_figures.renewals_figure(Renewals(TODAY), "2026-06-15"), "No active contracts end"),
        (lambda: license_figures.license_usage_figure([], for_client=False), "No license pools"),
        (lambda: license_figures.license_usage_figure([], for_client=True), "assigned to this client"),
    ],
)
def test_empty_data_gives_a_message_not_an_empty_chart(build, needle):
    figure = build()
    assert needle in (empty_message(figure) or "")
    as_sent = validated(figure)
    assert as_sent["data"] == []
    assert needle in as_sent["layout"]["annotations"][0]["text"]


def test_a_figure_with_data_has_no_empty_message():
    assert empty_message(finance_figures.revenue_cost_figure(money_rows())) is None


def test_building_and_sending_a_figure_loads_no_plotly_validators():
    # Plotly's figure classes and validators cost a worker ~30 MB and ~4 ms a figure.
    script = (
        "import sys\n"
        "from app.dashboards import charts\n"
        "from app.dashboards.figures import licenses\n"
        "from app.dashboards.figures.common import figure_json\n"
        "from app.dashboards.queries.licenses import PoolUsage\n"
        "import uuid\n"
        "figure_json(licenses.license_usage_figure([PoolUsage(uuid.uuid4(), 'V', 'EDR', 10, 5, 5)], False))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('plotly.graph_objs', 'plotly.validators'))))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


# --- the browser's partial plotly.js bundle (issue 19.7) -------------------------------------


def test_the_served_bundle_draws_every_trace_type_the_figures_use_and_refuses_others():
    from app.dashboards import plotly_bundle
    from app.dashboards.figures.common import trace

    assert {"bar", "scatter", "indicator"} <= plotly_bundle.bundled_trace_types()
    assert plotly_bundle.BUNDLE_VERSION.encode() in plotly_bundle.bundle_bytes()[:300]
    assert trace("bar", x=[1]) == {"type": "bar", "x": [1]}
    # A map or a 3-D chart would draw nothing in the browser: refused while building it.
    with pytest.raises(ValueError, match="scattergeo"):
        trace("scattergeo", lat=[1])


def test_every_chart_says_what_it_shows_in_one_line():
    from app.dashboards.charts import CHARTS

    for chart in CHARTS:
        assert chart.summary and "\n" not in chart.summary and len(chart.summary) <= 110, chart.key
        assert chart.summary.endswith("."), chart.key
