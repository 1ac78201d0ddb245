"""Ticket figures: the open backlog by priority and status, the weekly flow, the busiest clients."""

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
    trace,
)
from app.dashboards.queries.tickets import ClientBacklog, TicketCount, TicketWeek

PRIORITIES = ("critical", "high", "medium", "low")
PRIORITY_LABELS = {"critical": "P1 critical", "high": "P2 high", "medium": "P3 medium", "low": "P4 low"}
STATUS_LABELS = {"open": "Open", "in_progress": "In progress", "waiting_on_client": "Waiting on client"}
NO_OPEN_TICKETS = "No open tickets."
NO_TICKETS = "No tickets in this period: connect a ticketing data source (e.g. Jira) or record tickets."


def open_tickets_figure(rows: Sequence[TicketCount]) -> Figure:
    """Open tickets now: a bar per priority, stacked by status."""
    rows = [r for r in rows if r.tickets]
    if not rows:
        return empty_figure(NO_OPEN_TICKETS)
    labels = [PRIORITY_LABELS.get(p, p) for p in PRIORITIES]
    figure = new_figure(
        barmode="stack",
        xaxis={"categoryorder": "array", "categoryarray": labels},
        yaxis={"title": {"text": "Open tickets"}, "rangemode": "tozero"},
    )
    for status, series in group_by(rows, lambda r: r.status).items():
        label = STATUS_LABELS.get(status, status)
        add_trace(
            figure,
            trace(
                "bar",
                x=[PRIORITY_LABELS.get(r.priority, r.priority) for r in series],
                y=[r.tickets for r in series],
                name=label,
                hovertemplate=f"%{{x}}, {label.lower()}: %{{y:,}} tickets<extra></extra>",
            ),
        )
    return figure


def ticket_flow_figure(rows: Sequence[TicketWeek]) -> Figure:
    """Tickets created and resolved per week, with those that breached their SLA."""
    if not any(r.created or r.resolved for r in rows):
        return empty_figure(NO_TICKETS)
    weeks = [iso(r.week) for r in rows]
    figure = new_figure(
        barmode="group",
        xaxis={"tickformat": "%d %b", "hoverformat": "week of %d %b %Y"},
        yaxis={"title": {"text": "Tickets"}, "rangemode": "tozero"},
    )
    for name, values in (
        ("Created", [r.created for r in rows]),
        ("Resolved", [r.resolved for r in rows]),
    ):
        add_trace(
            figure,
            trace(
                "bar",
                x=weeks,
                y=values,
                name=name,
                hovertemplate=f"Week of %{{x|%d %b %Y}}: %{{y:,}} {name.lower()}<extra></extra>",
            ),
        )
    add_trace(
        figure,
        trace(
            "scatter",
            x=weeks,
            y=[r.breached for r in rows],
            name="Created and breached SLA",
            mode="lines+markers",
            hovertemplate="Week of %{x|%d %b %Y}: %{y:,} created tickets breached their SLA<extra></extra>",
        ),
    )
    return figure


def backlog_by_client_figure(rows: Sequence[ClientBacklog]) -> Figure:
    """The clients with the most open tickets (urgent ones apart), most on top."""
    if not rows:
        return empty_figure(NO_OPEN_TICKETS)
    ordered = list(reversed(rows))
    names = [label(r.company_name) for r in ordered]
    figure = new_figure(
        barmode="stack",
        height=max(240, 28 * len(rows) + 80),
        xaxis={"title": {"text": "Open tickets"}},
        yaxis={"automargin": True},
    )
    add_trace(
        figure,
        trace(
            "bar",
            y=names,
            x=[r.urgent for r in ordered],
            orientation="h",
            name="P1/P2",
            marker={"color": "#d62728"},
            hovertemplate="%{y}: %{x:,} open P1/P2 tickets<extra></extra>",
        ),
    )
    add_trace(
        figure,
        trace(
            "bar",
            y=names,
            x=[r.open_tickets - r.urgent for r in ordered],
            orientation="h",
            name="P3/P4",
            marker={"color": "#1f77b4"},
            hovertemplate="%{y}: %{x:,} open P3/P4 tickets<extra></extra>",
        ),
    )
    return figure
