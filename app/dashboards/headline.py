"""The headline numbers above the charts, formatted for display (money per currency, never summed).

A tile shows the same measure as its chart, from the same query where there is one (SLA
compliance is the compliance chart's last month; open tickets and license pools share the
charts' results), under the same filters. A tile the chosen service does not narrow says
"all services" (tests/web/test_dashboard_agreement.py compares every tile with its chart).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from app.dashboards.access import FinanceScope
from app.dashboards.charts import ChartContext, license_usage, open_tickets, sla_compliance_months
from app.dashboards.queries import clients, finance, renewals
from app.services.reconciliation.totals import MONTH_FILTER_ARG, revenue_at_risk

#: The note of a tile that counts every service although one is chosen.
ALL_SERVICES = "all services"


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    #: One line per value (e.g. one per currency).
    values: list[str]
    note: str = ""
    financial: bool = False
    #: Whether the number deserves attention (e.g. pools nearly full).
    warn: bool = False
    #: Whether the service filter narrows this number (else the note says "all services").
    by_service: bool = False
    extra: dict = field(default_factory=dict)
    #: The page listing what the number adds up (a URL path with its filters), if any.
    link: str = ""


def money(amount: Decimal, currency: str) -> str:
    """`1,234,567.89 EUR`: two decimals and the currency, always."""
    return f"{amount:,.2f} {currency}"


def headline_tiles(ctx: ChartContext) -> list[Tile]:
    """The headline numbers the viewer may see, for the MSSP (or the viewer's clients) or one client."""
    tiles = [_clients_tile(ctx)]
    if ctx.access.may_see_finance_of(ctx.client_id):
        tiles += _money_tiles(ctx)
    tiles.append(Tile("open_tickets", "Open tickets", [f"{sum(t.tickets for t in open_tickets(ctx)):,}"]))
    tiles.append(_sla_tile(ctx))
    tiles.append(_licenses_tile(ctx))
    if ctx.filters.service_id is None:
        return tiles
    return [t if t.by_service else replace(t, note=_join(t.note, ALL_SERVICES)) for t in tiles]


def _clients_tile(ctx: ChartContext) -> Tile:
    if ctx.client_id:
        summary = clients.client_summary(ctx.session, ctx.client_id)
        status = summary.status.replace("_", " ").capitalize() if summary else "Unknown"
        return Tile("client_status", "Client status", [status])
    return Tile("active_clients", "Active clients", [f"{clients.active_client_count(ctx.session):,}"])


def _money_tiles(ctx: ChartContext) -> list[Tile]:
    ids = ctx.money_client_ids()
    scope_note = ""
    if ctx.fleet and ctx.access.finance is FinanceScope.ASSIGNED:
        scope_note = f"your {_count(len(ctx.access.assigned_client_ids), 'client')}"
    contracts = finance.active_contract_value(ctx.session, ids)
    as_of, mrr = finance.latest_mrr(ctx.session, ctx.today, ids)
    ending = renewals.ending_counts(ctx.session, ctx.today, ids, ctx.filters.service_id)
    return [
        Tile(
            "contract_value",
            "Active contract value",
            [money(c.amount, c.currency) for c in contracts] or ["—"],
            note=_join(scope_note, _count(sum(c.count for c in contracts), "active contract")),
            financial=True,
        ),
        Tile(
            "mrr",
            "Monthly recurring revenue",
            [money(m.amount, m.currency) for m in mrr] or ["—"],
            note=_join(scope_note, f"month end {as_of:%d %b %Y}" if as_of else "no snapshot yet"),
            financial=True,
        ),
        Tile(
            "contracts_ending",
            "Contracts ending",
            [f"{days} days: {count:,}" for days, count in ending.items()],
            note=scope_note,
            financial=True,
            warn=ending.get(30, 0) > 0,
            by_service=True,
        ),
        _revenue_at_risk_tile(ctx, ids, scope_note),
    ]


def _revenue_at_risk_tile(ctx: ChartContext, ids, scope_note: str) -> Tile:
    """This month's revenue findings of the reconciliation: the findings page's own sum."""
    month = ctx.today.replace(day=1)
    totals = revenue_at_risk(ctx.session, month, ids)
    link = f"/reconciliationfindingview/list/?{MONTH_FILTER_ARG}={month.isoformat()}"
    if ctx.client_id:
        link += f"&_flt_0_client={ctx.client_id}"
    return Tile(
        "revenue_at_risk",
        "Revenue at risk this month",
        [money(t.amount, t.currency) for t in totals] or ["—"],
        note=_join(scope_note, _count(sum(t.findings for t in totals), "finding")),
        financial=True,
        warn=bool(totals),
        link=link,
    )


def _sla_tile(ctx: ChartContext) -> Tile:
    """The compliance chart's latest month with measures (same client, service and range)."""
    measured = [month for month in sla_compliance_months(ctx) if month.measures]
    if not measured:
        return Tile(
            "sla_compliance", "SLA compliance", ["—"], note="no SLA measures in this period", by_service=True
        )
    result = measured[-1]
    this_month = result.month == ctx.today.replace(day=1)
    when = "this month" if this_month else f"{result.month:%B %Y} (latest)"
    note = f"{when}: {result.met:,} of {result.measures:,} met"
    return Tile(
        "sla_compliance",
        "SLA compliance",
        [f"{result.percent} %"],
        note=note,
        warn=result.percent is not None and result.percent < Decimal("95"),
        by_service=True,
    )


def _licenses_tile(ctx: ChartContext) -> Tile:
    use = license_usage(ctx)
    full = [p for p in use.pools if p.nearly_full]
    shown = full[:3]
    names = ", ".join(f"{p.vendor} {p.product_name}" for p in shown)
    return Tile(
        "pools_nearly_full",
        "License pools above 90 % use",
        [f"{use.nearly_full_count:,} of {use.pool_count:,}"],
        note=names + (" …" if use.nearly_full_count > len(shown) else ""),
        warn=use.nearly_full_count > 0,
    )


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)
