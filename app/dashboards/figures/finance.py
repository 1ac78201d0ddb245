"""Money figures: one panel per currency, so amounts in different currencies never share a sum
(or an axis)."""

from __future__ import annotations

from collections.abc import Sequence

from app.dashboards.figures.common import (
    Figure,
    add_trace,
    empty_figure,
    group_by,
    iso,
    label,
    money_hover,
    number,
    panel_axes,
    stacked_figure,
    trace,
)
from app.dashboards.queries.finance import MonthMoney, MrrMonth
from app.dashboards.queries.top_clients import ClientRevenue

NO_MONEY = "No revenue or cost recorded in this period."
NO_REVENUE = "No revenue booked in this period."
NO_SNAPSHOTS = "No subscription snapshots yet: they are taken at each month end."
REVENUE, COST, MARGIN = "#2ca02c", "#d62728", "#1f77b4"
MONTHS = {"tickformat": "%b %Y", "dtick": "M1"}


def _money_axis(currency: str) -> dict:
    return {"title": {"text": currency}, "tickformat": ",.0f", "rangemode": "tozero"}


def revenue_cost_figure(rows: Sequence[MonthMoney]) -> Figure:
    """Per currency: monthly revenue and cost as bars, margin as a line."""
    by_currency = group_by(rows, lambda r: r.currency)
    if not by_currency:
        return empty_figure(NO_MONEY)
    currencies = list(by_currency)
    figure = stacked_figure(
        [f"Revenue, cost and margin in {c}" for c in currencies],
        [_money_axis(c) for c in currencies],
        panel_height=240,
        shared_x=False,
        xaxis=MONTHS,
        barmode="group",
    )
    for index, currency in enumerate(currencies, start=1):
        series = by_currency[currency]
        months = [iso(r.month) for r in series]
        for name, values, kind, colour in (
            ("Revenue", [r.revenue for r in series], "bar", REVENUE),
            ("Cost", [r.cost for r in series], "bar", COST),
            ("Margin", [r.margin for r in series], "scatter", MARGIN),
        ):
            extra = {"mode": "lines+markers"} if kind == "scatter" else {}
            add_trace(
                figure,
                trace(
                    kind,
                    x=months,
                    y=[number(v) for v in values],
                    name=f"{name} ({currency})",
                    marker={"color": colour},
                    **extra,
                    **panel_axes(index),
                    hovertemplate=f"{name}, %{{x|%B %Y}}: {money_hover(currency)}<extra></extra>",
                ),
            )
    return figure


def top_clients_figure(rows: Sequence[ClientRevenue]) -> Figure:
    """Per currency: the clients with the most revenue in the range, most on top."""
    by_currency = group_by(rows, lambda r: r.currency)
    if not by_currency:
        return empty_figure(NO_REVENUE)
    currencies = list(by_currency)
    tallest = max(len(series) for series in by_currency.values())
    figure = stacked_figure(
        [f"Revenue in {c}" for c in currencies],
        [{"automargin": True} for _c in currencies],
        panel_height=40 + 24 * tallest,
        shared_x=False,
        showlegend=False,
    )
    for index, currency in enumerate(currencies, start=1):
        ordered = list(reversed(by_currency[currency]))
        add_trace(
            figure,
            trace(
                "bar",
                y=[label(r.company_name) for r in ordered],
                x=[number(r.revenue) for r in ordered],
                orientation="h",
                name=f"Revenue ({currency})",
                marker={"color": REVENUE},
                **panel_axes(index),
                hovertemplate=f"%{{y}}: {money_hover(currency, 'x')}<extra></extra>",
            ),
        )
        # The panel's title names the currency; the axis only needs readable amounts.
        figure["layout"]["xaxis" if index == 1 else f"xaxis{index}"]["tickformat"] = ",.0f"
    return figure


def _month_end_ticks(rows: Sequence[MrrMonth]) -> dict:
    """One label per month, at its snapshot: Plotly's automatic ticks on a few month ends label
    a month twice (or label days), and "dtick": "M1" puts them on the 1st, a day off the points."""
    last_of_month = {
        r.snapshot_date.replace(day=1): r.snapshot_date for r in sorted(rows, key=lambda r: r.snapshot_date)
    }
    days = list(last_of_month.values())
    return {"tickmode": "array", "tickvals": [iso(d) for d in days], "ticktext": [f"{d:%b %Y}" for d in days]}


def mrr_figure(rows: Sequence[MrrMonth], show_clients: bool) -> Figure:
    """MRR per currency at each month end (one panel each), and active clients per currency."""
    by_currency = group_by(rows, lambda r: r.currency)
    if not by_currency:
        return empty_figure(NO_SNAPSHOTS)
    currencies = list(by_currency)
    titles = [f"Monthly recurring revenue ({c})" for c in currencies]
    yaxes = [_money_axis(c) for c in currencies]
    if show_clients:
        titles.append("Active clients, by contract currency")
        yaxes.append({"title": {"text": "clients"}, "rangemode": "tozero"})
    figure = stacked_figure(titles, yaxes, panel_height=200, xaxis=_month_end_ticks(rows))
    for index, currency in enumerate(currencies, start=1):
        series = by_currency[currency]
        days = [iso(r.snapshot_date) for r in series]
        add_trace(
            figure,
            trace(
                "scatter",
                x=days,
                y=[number(r.mrr) for r in series],
                customdata=[[number(r.mrr_change) if r.mrr_change is not None else 0] for r in series],
                name=f"MRR ({currency})",
                mode="lines+markers",
                **panel_axes(index),
                hovertemplate=f"%{{x|%d %b %Y}}: {money_hover(currency)} "
                f"(%{{customdata[0]:+,.2f}} {currency} on the month before)<extra></extra>",
            ),
        )
        if show_clients:
            add_trace(
                figure,
                trace(
                    "scatter",
                    x=days,
                    y=[r.active_clients for r in series],
                    name=f"Active clients ({currency} contracts)",
                    mode="lines+markers",
                    **panel_axes(len(titles)),
                    hovertemplate=f"%{{x|%d %b %Y}}: %{{y:,}} active clients with {currency} contracts"
                    "<extra></extra>",
                ),
            )
    return figure
