"""Ticket aggregates: the open backlog now, and the weekly flow over the date range.

Weeks are ISO weeks (Monday, UTC) touching the range, counted whole. Tickets are
not tied to a service: the service filter does not apply to them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

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
