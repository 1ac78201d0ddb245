"""SLA figures: compliance per month, target against actual per metric, breaches over time."""

from __future__ import annotations

from collections.abc import Sequence

from app.dashboards.figures.common import (
    Figure,
    add_trace,
    empty_figure,
    group_by,
    iso,
    label,
    new_figure,
    number,
    panel_axes,
    stacked_figure,
    suffix,
    trace,
    unit_label,
)
from app.dashboards.queries.sla import SlaCompliance, SlaMonth

NO_SLA = "No SLA metrics for this period yet: configure a data source or record SLA results."
#: One subplot per metric; more than this are left out (the service filter narrows them).
MAX_METRICS = 6


def compliance_figure(rows: Sequence[SlaCompliance]) -> Figure:
    """Share of SLA measures met per month, with the 3-month rolling share."""
    rows = [r for r in rows if r.measures]
    if not rows:
        return empty_figure(NO_SLA)
    months = [iso(r.month) for r in rows]
    custom = [[r.met, r.measures] for r in rows]
    figure = new_figure(
        yaxis={"title": {"text": "Measures met (%)"}, "ticksuffix": " %", "rangemode": "tozero"},
        xaxis={"tickformat": "%b %Y", "dtick": "M1"},
    )
    add_trace(
        figure,
        trace(
            "scatter",
            x=months,
            y=[number(r.percent) for r in rows],
            customdata=custom,
            name="Compliance",
            mode="lines+markers",
            hovertemplate="%{x|%B %Y}: %{y:.2f} % met (%{customdata[0]:,} of %{customdata[1]:,})"
            "<extra></extra>",
        ),
    )
    add_trace(
        figure,
        trace(
            "scatter",
            x=months,
            y=[number(r.rolling_percent) for r in rows],
            name="3-month rolling",
            mode="lines",
            line={"dash": "dot"},
            hovertemplate="%{x|%B %Y}: %{y:.2f} % met over 3 months<extra></extra>",
        ),
    )
    return figure


def target_actual_figure(rows: Sequence[SlaMonth], averaged: bool) -> Figure:
    """One panel per SLA metric: actual (averaged over clients when `averaged`) against target."""
    metrics = group_by(rows, lambda r: (r.metric_name, r.unit))
    if not metrics:
        return empty_figure(NO_SLA)
    keys = list(metrics)[:MAX_METRICS]
    figure = stacked_figure(
        [f"{label(name)} ({unit_label(unit)})" for name, unit in keys],
        [{"title": {"text": unit_label(unit)}, "ticksuffix": suffix(unit)} for _name, unit in keys],
        panel_height=170,
        xaxis={"tickformat": "%b %Y", "dtick": "M1"},
    )
    actual_name = "Actual (average of clients)" if averaged else "Actual"
    for index, (name, unit) in enumerate(keys, start=1):
        series = metrics[(name, unit)]
        months = [iso(r.month) for r in series]
        unit_text, title = suffix(unit), label(name)
        add_trace(
            figure,
            trace(
                "scatter",
                x=months,
                y=[number(r.actual_avg) for r in series],
                name=actual_name,
                legendgroup="actual",
                showlegend=index == 1,
                mode="lines+markers",
                marker={"color": "#1f77b4"},
                customdata=[[r.measures] for r in series],
                **panel_axes(index),
                hovertemplate=f"{title}<br>%{{x|%B %Y}}: %{{y:.2f}}{unit_text} actual"
                + (" (average of %{customdata[0]:,} measures)" if averaged else "")
                + "<extra></extra>",
            ),
        )
        add_trace(
            figure,
            trace(
                "scatter",
                x=months,
                y=[number(r.target_avg) for r in series],
                name="Target",
                legendgroup="target",
                showlegend=index == 1,
                mode="lines",
                line={"dash": "dash", "color": "#d62728"},
                **panel_axes(index),
                hovertemplate=f"{title}<br>%{{x|%B %Y}}: %{{y:.2f}}{unit_text} target<extra></extra>",
            ),
        )
    return figure


def breaches_figure(rows: Sequence[SlaMonth]) -> Figure:
    """Breached SLA measures per month, stacked by metric."""
    if not rows:
        return empty_figure(NO_SLA)
    figure = new_figure(
        barmode="stack",
        yaxis={"title": {"text": "Breached measures"}, "rangemode": "tozero"},
        xaxis={"tickformat": "%b %Y", "dtick": "M1"},
    )
    for name, series in group_by(rows, lambda r: r.metric_name).items():
        add_trace(
            figure,
            trace(
                "bar",
                x=[iso(r.month) for r in series],
                y=[r.breached for r in series],
                name=label(name),
                customdata=[[r.measures] for r in series],
                hovertemplate=f"{label(name)}<br>%{{x|%B %Y}}: %{{y:,}} breached "
                "of %{customdata[0]:,} measures<extra></extra>",
            ),
        )
    return figure
