"""The chart catalogue: each chart's title, section, whether it shows money, and how it is built.

Views render what `charts_for` returns and serve `build_chart` as JSON; nothing
here knows about HTTP. A money chart is left out for people who see no money,
and replaced by a notice for an account manager looking at a client whose team
they are not on (see `app.dashboards.access`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.dashboards.access import DashboardAccess, FinanceScope
from app.dashboards.figures import finance as finance_figures
from app.dashboards.figures import health as health_figures
from app.dashboards.figures import licenses as license_figures
from app.dashboards.figures import renewals as renewal_figures
from app.dashboards.figures import sla as sla_figures
from app.dashboards.figures import tickets as ticket_figures
from app.dashboards.figures.common import Figure, empty_figure
from app.dashboards.filters import PRESETS, DashboardFilters
from app.dashboards.queries import finance, health, licenses, renewals, sla, tickets, top_clients
from app.dashboards.queries.common import RollupStatus

T = TypeVar("T")

NO_MONEY_FOR_ROLE = "Financial charts are not available to your role."
NOT_ON_TEAM = "Financial figures of this client are shown to its account team."
NO_CLIENTS_YET = "You are not on any client's team yet: financial figures show for your clients."


@dataclass(frozen=True)
class ChartContext:
    """Everything a chart needs for one request."""

    session: Session
    filters: DashboardFilters
    access: DashboardAccess
    today: date
    rollups: RollupStatus
    #: Query results shared by several charts of one page (e.g. SLA per month).
    results: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()` once per context: two charts (or a chart and a headline) reuse its result."""
        if key not in self.results:
            self.results[key] = compute()
        return self.results[key]

    @property
    def client_id(self) -> uuid.UUID | None:
        return self.filters.client_id

    @property
    def fleet(self) -> bool:
        return self.filters.client_id is None

    @property
    def end_of_today(self) -> datetime:
        return datetime.combine(self.today + timedelta(days=1), time.min, tzinfo=UTC)

    def money_client_ids(self) -> frozenset[uuid.UUID] | None:
        return self.access.finance_client_ids(self.filters.client_id)


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    section: str
    build: Callable[[ChartContext], Figure]
    financial: bool = False
    on_overview: bool = True
    on_client: bool = True
    #: Whether the service filter narrows this chart.
    by_service: bool = True
    #: Whether the date range applies (else the chart shows "now" or the months ahead).
    by_date: bool = True
    #: Precomputed for the preset ranges only: a custom range still ranks every client (from
    #: the monthly rollup plus the edge days), so the page loads it after rendering instead.
    slow_on_custom_range: bool = False
    #: What the chart shows, in one line under its title (issue 19.7).
    summary: str = ""

    def deferred(self, filters: DashboardFilters) -> bool:
        """Whether a page leaves this chart for the browser to fetch once it is shown."""
        return self.slow_on_custom_range and filters.preset not in PRESETS


# --- builders: query, then figure -----------------------------------------------------------


def sla_compliance_months(ctx: ChartContext) -> list[sla.SlaCompliance]:
    """The compliance chart's months, and the headline's latest one: one query for both."""
    return ctx.shared(
        "sla_compliance", lambda: sla.sla_compliance(ctx.session, ctx.filters, ctx.rollups.ready("sla"))
    )


def _sla_compliance(ctx: ChartContext) -> Figure:
    return sla_figures.compliance_figure(sla_compliance_months(ctx))


def sla_months(ctx: ChartContext) -> list[sla.SlaMonth]:
    return ctx.shared(
        "sla_by_month", lambda: sla.sla_by_month(ctx.session, ctx.filters, ctx.rollups.ready("sla"))
    )


def open_tickets(ctx: ChartContext) -> list[tickets.TicketCount]:
    return ctx.shared("open_tickets", lambda: tickets.open_tickets(ctx.session, ctx.client_id))


def license_usage(ctx: ChartContext) -> licenses.LicenseUse:
    """The pools the chart draws, and the counts the headline shows: one query for both."""
    return ctx.shared(
        "license_usage",
        lambda: licenses.license_usage(ctx.session, ctx.client_id, limit=license_figures.MAX_POOLS),
    )


def _sla_target_actual(ctx: ChartContext) -> Figure:
    return sla_figures.target_actual_figure(sla_months(ctx), averaged=ctx.fleet)


def _sla_breaches(ctx: ChartContext) -> Figure:
    return sla_figures.breaches_figure(sla_months(ctx))


def _tickets_open(ctx: ChartContext) -> Figure:
    return ticket_figures.open_tickets_figure(open_tickets(ctx))


def _tickets_flow(ctx: ChartContext) -> Figure:
    rows = tickets.tickets_by_week(ctx.session, ctx.filters, ctx.rollups.ready("tickets"))
    return ticket_figures.ticket_flow_figure(rows)


def _tickets_by_client(ctx: ChartContext) -> Figure:
    return ticket_figures.backlog_by_client_figure(tickets.backlog_by_client(ctx.session))


def _health_latest(ctx: ChartContext) -> Figure:
    rows = health.latest_values(
        ctx.session, ctx.client_id, ctx.filters.service_id, ctx.rollups.ready("metrics"), now=ctx.end_of_today
    )
    return health_figures.latest_values_figure(rows, fleet=ctx.fleet)


def _health_series(ctx: ChartContext) -> Figure:
    rows = health.metric_series(ctx.session, ctx.filters, ctx.rollups.ready("metrics"))
    return health_figures.metric_series_figure(rows, fleet=ctx.fleet, bucket=ctx.filters.metric_bucket()[0])


def _revenue_monthly(ctx: ChartContext) -> Figure:
    rows = finance.revenue_and_cost_by_month(
        ctx.session, ctx.filters, ctx.money_client_ids(), ctx.rollups.ready("finance")
    )
    return finance_figures.revenue_cost_figure(rows)


def _revenue_top_clients(ctx: ChartContext) -> Figure:
    rows = top_clients.top_clients_by_revenue(
        ctx.session,
        ctx.filters,
        ctx.money_client_ids(),
        windows_as_of=ctx.rollups.revenue_windows_as_of,
        monthly_rollup=ctx.rollups.ready("client_revenue"),
    )
    return finance_figures.top_clients_figure(rows)


def _mrr_trend(ctx: ChartContext) -> Figure:
    rows = finance.mrr_trend(ctx.session, ctx.filters, ctx.money_client_ids())
    return finance_figures.mrr_figure(rows, show_clients=ctx.fleet)


def _renewals(ctx: ChartContext) -> Figure:
    result = renewals.contracts_ending(ctx.session, ctx.today, ctx.money_client_ids(), ctx.filters.service_id)
    return renewal_figures.renewals_figure(result, ctx.today.isoformat())


def _licenses(ctx: ChartContext) -> Figure:
    return license_figures.license_usage_figure(license_usage(ctx).pools, for_client=not ctx.fleet)


CHARTS: tuple[Chart, ...] = (
    Chart(
        "sla_compliance", "SLA compliance per month", "SLA", _sla_compliance,
        summary="Share of SLA measurements that met their target, month by month.",
    ),
    Chart(
        "sla_target_actual", "SLA target vs actual", "SLA", _sla_target_actual,
        summary="Each SLA metric's measured value against its contracted target.",
    ),
    Chart(
        "sla_breaches", "SLA breaches over time", "SLA", _sla_breaches,
        summary="How often SLA targets were missed over the period.",
    ),
    Chart(
        "tickets_open",
        "Open tickets by priority and status",
        "Tickets",
        _tickets_open,
        by_service=False,
        by_date=False,
        summary="Tickets open right now, split by priority and status.",
    ),
    Chart(
        "tickets_flow", "Tickets created vs resolved per week", "Tickets", _tickets_flow, by_service=False,
        summary="Tickets opened and resolved each week: a widening gap is a growing backlog.",
    ),
    Chart(
        "tickets_by_client",
        "Clients with the most open tickets",
        "Tickets",
        _tickets_by_client,
        on_client=False,
        by_service=False,
        by_date=False,
        summary="The clients with the most open tickets right now.",
    ),
    Chart(
        "health_latest", "Service health: latest values", "Service health", _health_latest, by_date=False,
        summary="The latest reading of each service-health metric.",
    ),
    Chart(
        "health_series", "Service health over time", "Service health", _health_series,
        summary="Service-health metrics over the period.",
    ),
    Chart(
        "revenue_monthly", "Revenue, cost and margin per month", "Revenue", _revenue_monthly, financial=True,
        summary="Revenue, cost and the margin between them, month by month.",
    ),
    Chart(
        "revenue_top_clients",
        "Top clients by revenue",
        "Revenue",
        _revenue_top_clients,
        financial=True,
        on_client=False,
        slow_on_custom_range=True,
        summary="The clients that brought in the most revenue in the period.",
    ),
    Chart(
        "mrr_trend",
        "MRR and active clients (month-end snapshots)",
        "Revenue",
        _mrr_trend,
        financial=True,
        by_service=False,
        summary="Monthly recurring revenue and active clients at each month's end.",
    ),
    Chart(
        "renewals",
        "Contracts ending in the next 180 days",
        "Renewals",
        _renewals,
        financial=True,
        by_date=False,
        summary="Contract value ending in the next 180 days, week by week: renew before it lapses.",
    ),
    Chart(
        "licenses",
        "License seats: assigned vs total",
        "Licenses",
        _licenses,
        by_service=False,
        by_date=False,
        summary="Share of each license pool's seats in use, fullest on top; labels give seats used / bought.",
    ),
)
CHARTS_BY_KEY = {chart.key: chart for chart in CHARTS}


@dataclass(frozen=True)
class ChartSlot:
    """A chart on a page, or the notice that replaces it."""

    chart: Chart
    allowed: bool


def charts_for(access: DashboardAccess, client_id: uuid.UUID | None) -> list[ChartSlot]:
    """The charts of the overview (no client) or of one client's dashboard, as `access` allows."""
    slots = []
    for chart in CHARTS:
        if not (chart.on_client if client_id else chart.on_overview):
            continue
        if chart.financial and not access.sees_finance:
            continue
        slots.append(ChartSlot(chart, not chart.financial or access.may_see_finance_of(client_id)))
    return slots


def build_chart(chart: Chart, ctx: ChartContext) -> Figure:
    """The chart's figure for this context (the caller has checked the chart is allowed)."""
    if (
        chart.financial
        and ctx.fleet
        and ctx.access.finance is FinanceScope.ASSIGNED
        and not ctx.access.assigned_client_ids
    ):
        return empty_figure(NO_CLIENTS_YET)
    return chart.build(ctx)
