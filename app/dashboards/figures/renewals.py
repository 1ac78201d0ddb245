"""Renewals figure: active contracts ending over the coming months, with their value, per currency."""

from __future__ import annotations

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
from app.dashboards.queries.renewals import Renewals

NO_RENEWALS = "No active contracts end in the next 180 days."


def renewals_figure(renewals: Renewals, today_iso: str) -> Figure:
    """A timeline per currency: one marker per contract (end date, value), or weekly sums when many."""
    items = renewals.contracts or renewals.weeks
    by_currency = group_by(items, lambda r: r.currency)
    if not by_currency:
        return empty_figure(NO_RENEWALS)
    currencies = list(by_currency)
    figure = stacked_figure(
        [f"Contract value ({c})" + ("" if renewals.contracts else ", per week") for c in currencies],
        [{"title": {"text": c}, "tickformat": ",.0f", "rangemode": "tozero"} for c in currencies],
        panel_height=200,
        showlegend=False,
        xaxis={"range": [today_iso, iso(renewals.horizon_end)], "tickformat": "%b %Y"},
    )
    for index, currency in enumerate(currencies, start=1):
        series = by_currency[currency]
        if renewals.contracts:
            marks = trace(
                "scatter",
                x=[iso(c.end_date) for c in series],
                y=[number(c.value) for c in series],
                mode="markers",
                marker={"size": 9},
                name=currency,
                customdata=[[label(c.company_name), label(c.contract_name)] for c in series],
                hovertemplate=f"<b>%{{customdata[0]}}</b><br>%{{customdata[1]}}<br>ends %{{x|%d %b %Y}}<br>"
                f"{money_hover(currency)}<extra></extra>",
            )
        else:
            marks = trace(
                "bar",
                x=[iso(w.week) for w in series],
                y=[number(w.value) for w in series],
                name=currency,
                customdata=[[w.contracts] for w in series],
                hovertemplate=f"Week of %{{x|%d %b %Y}}: %{{customdata[0]:,}} contracts ending, "
                f"{money_hover(currency)}<extra></extra>",
            )
        add_trace(figure, marks | panel_axes(index))
    return figure
