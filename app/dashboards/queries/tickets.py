"""Ticket aggregates: the open backlog now, and the weekly flow over the date range.

Weeks are ISO weeks (Monday, UTC) touching the range, counted whole. Tickets are
not tied to a service: the service filter does not apply to them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from app.dashboards.filters import DashboardFilters, week_start
from app.dashboards.queries.common import OPEN_TICKET_STATUSES, id_or_none, run, where

_OPEN = "status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_TICKET_STATUSES))


@dataclass(frozen=True)
class TicketCount:
    priority: str
    status: str
    tickets: int


@dataclass(frozen=True)
class TicketWeek:
    week: date
    created: int
    resolved: int
    #: Tickets opened that week that breached their SLA.
    breached: int


@dataclass(frozen=True)
class ClientBacklog:
    client_id: uuid.UUID
    company_name: str
    open_tickets: int
    #: Open tickets of priority critical or high.
    urgent: int


def open_tickets(session: Session, client_id: uuid.UUID | None = None) -> list[TicketCount]:
    """Open tickets now, per priority and status."""
    rows = run(
        session,
        f"""
        SELECT priority, status, count(*) AS tickets FROM ticket_summaries
        {where(_OPEN, "client_id = CAST(:client AS uuid)" if client_id else None)}
        GROUP BY priority, status ORDER BY priority, status""",
        {"client": id_or_none(client_id)},
    )
    return [TicketCount(*row) for row in rows]


def open_ticket_total(session: Session, client_id: uuid.UUID | None = None) -> int:
    """How many tickets are open now."""
    return sum(row.tickets for row in open_tickets(session, client_id))


def tickets_by_week(session: Session, filters: DashboardFilters, rollup: bool = False) -> list[TicketWeek]:
    """Per week touching the range: tickets opened, resolved, and opened-and-breached (zeros kept)."""
    first, last = week_start(filters.date_from), week_start(filters.date_to)
    params = {
        "first": first,
        "last": last,
        "start": filters.start - timedelta(days=filters.date_from.weekday()),
        "end": filters.end + timedelta(days=6 - filters.date_to.weekday()),
        "client": id_or_none(filters.client_id),
    }
    if rollup and filters.client_id is None:
        counts = """
            SELECT week, created, resolved, breached FROM dash_ticket_weekly
            WHERE week BETWEEN :first AND :last"""
    else:
        client = "AND client_id = CAST(:client AS uuid)" if filters.client_id else ""
        counts = f"""
            SELECT coalesce(o.week, r.week) AS week, coalesce(o.created, 0) AS created,
                   coalesce(r.resolved, 0) AS resolved, coalesce(o.breached, 0) AS breached
            FROM (
                SELECT date_trunc('week', opened_at AT TIME ZONE 'UTC')::date AS week, count(*) AS created,
                       count(*) FILTER (WHERE is_sla_breached) AS breached
                FROM ticket_summaries WHERE opened_at >= :start AND opened_at < :end {client}
                GROUP BY 1
            ) o
            FULL JOIN (
                SELECT date_trunc('week', resolved_at AT TIME ZONE 'UTC')::date AS week, count(*) AS resolved
                FROM ticket_summaries WHERE resolved_at >= :start AND resolved_at < :end {client}
                GROUP BY 1
            ) r ON r.week = o.week"""
    rows = run(
        session,
        f"""
        SELECT w.week::date AS week, coalesce(c.created, 0), coalesce(c.resolved, 0), coalesce(c.breached, 0)
        FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 week') AS w(week)
        LEFT JOIN ({counts}) c ON c.week = w.week::date
        ORDER BY w.week""",
        params,
    )
    return [TicketWeek(*row) for row in rows]


def backlog_by_client(session: Session, limit: int = 15) -> list[ClientBacklog]:
    """The clients with the most open tickets now, most first."""
    rows = run(
        session,
        f"""
        SELECT c.id, c.company_name, t.open_tickets, t.urgent
        FROM (
            SELECT client_id, count(*) AS open_tickets,
                   count(*) FILTER (WHERE priority IN ('critical', 'high')) AS urgent
            FROM ticket_summaries {where(_OPEN)}
            GROUP BY client_id ORDER BY open_tickets DESC, client_id LIMIT :limit
        ) t JOIN clients c ON c.id = t.client_id
        ORDER BY t.open_tickets DESC, c.company_name""",
        {"limit": limit},
    )
    return [ClientBacklog(*row) for row in rows]


@dataclass(frozen=True)
class TicketTotals:
    """Tickets of the exact range (not whole weeks): opened in it, resolved in it, opened and breached."""

    opened: int
    resolved: int
    breached: int


@dataclass(frozen=True)
class PriorityTimes:
    """Per priority, the tickets opened in the range: counts and median minutes against their targets."""

    priority: str
    opened: int
    resolved: int
    median_response_minutes: Decimal | None
    median_response_target_minutes: Decimal | None
    responded_in_time: int
    median_resolution_minutes: Decimal | None
    median_resolution_target_minutes: Decimal | None
    resolved_in_time: int


def _range_params(filters: DashboardFilters) -> dict:
    return {"start": filters.start, "end": filters.end, "client": id_or_none(filters.client_id)}


def ticket_totals(session: Session, filters: DashboardFilters) -> TicketTotals:
    """Opened, resolved and opened-and-breached tickets within the range's days."""
    client = "AND client_id = CAST(:client AS uuid)" if filters.client_id else ""
    row = run(
        session,
        f"""
        SELECT (SELECT count(*) FROM ticket_summaries
                WHERE opened_at >= :start AND opened_at < :end {client}),
               (SELECT count(*) FROM ticket_summaries
                WHERE resolved_at >= :start AND resolved_at < :end {client}),
               (SELECT count(*) FROM ticket_summaries
                WHERE opened_at >= :start AND opened_at < :end AND is_sla_breached {client})""",
        _range_params(filters),
    )[0]
    return TicketTotals(*row)


def tickets_opened_by_priority_status(session: Session, filters: DashboardFilters) -> list[TicketCount]:
    """Tickets opened within the range, per priority and (current) status."""
    rows = run(
        session,
        f"""
        SELECT priority, status, count(*) FROM ticket_summaries
        {
            where(
                "opened_at >= :start AND opened_at < :end",
                "client_id = CAST(:client AS uuid)" if filters.client_id else None,
            )
        }
        GROUP BY priority, status ORDER BY priority, status""",
        _range_params(filters),
    )
    return [TicketCount(*row) for row in rows]


def _median_minutes(later: str) -> str:
    """The median of `later - opened_at` in minutes, one decimal (NULLs left out)."""
    minutes = f"extract(epoch FROM ({later} - opened_at)) / 60"
    return f"round(percentile_cont(0.5) WITHIN GROUP (ORDER BY {minutes})::numeric, 1)"


def ticket_times(session: Session, filters: DashboardFilters) -> list[PriorityTimes]:
    """Per priority, tickets opened within the range: median response and resolution minutes
    (first response / resolution after opening) against the median of their targets (due times)."""
    rows = run(
        session,
        f"""
        SELECT priority, count(*) AS opened, count(resolved_at) AS resolved,
               {_median_minutes("first_response_at")},
               {_median_minutes("response_due_at")},
               count(*) FILTER (WHERE first_response_at <= response_due_at),
               {_median_minutes("resolved_at")},
               {_median_minutes("resolution_due_at")},
               count(*) FILTER (WHERE resolved_at <= resolution_due_at)
        FROM ticket_summaries
        {
            where(
                "opened_at >= :start AND opened_at < :end",
                "client_id = CAST(:client AS uuid)" if filters.client_id else None,
            )
        }
        GROUP BY priority""",
        _range_params(filters),
    )
    order = {p: i for i, p in enumerate(("critical", "high", "medium", "low"))}
    return sorted((PriorityTimes(*row) for row in rows), key=lambda r: order.get(r.priority, 9))
