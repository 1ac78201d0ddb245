"""Renewals: active contracts ending over the coming days, with their value.

A contract ends on its `end_date`. The window starts today and is not the
dashboard's date range (which looks back). When more contracts end than a
trace may carry, they come back as weekly sums per currency instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from app.dashboards.queries.common import id_or_none, run, uuid_list, where
from app.services.contract_counting import counting_sql

HORIZON_DAYS = 180
#: More contracts than this are drawn as weekly sums: a timeline of more markers reads as a
#: smear, and each marker carries names for its hover (well under the 2,000-point cap).
MAX_MARKERS = 300


@dataclass(frozen=True)
class EndingContract:
    contract_id: uuid.UUID
    contract_name: str
    client_id: uuid.UUID
    company_name: str
    end_date: date
    value: Decimal
    currency: str


@dataclass(frozen=True)
class EndingWeek:
    week: date
    currency: str
    contracts: int
    value: Decimal


@dataclass(frozen=True)
class Renewals:
    horizon_end: date
    #: One entry per contract, when there are at most MAX_MARKERS of them...
    contracts: list[EndingContract] = field(default_factory=list)
    #: ...otherwise weekly sums per currency.
    weeks: list[EndingWeek] = field(default_factory=list)


def _conditions(client_ids: Collection[uuid.UUID] | None, service_id: uuid.UUID | None) -> list[str | None]:
    return [
        counting_sql("c"),
        "c.end_date BETWEEN :today AND :until",
        "c.client_id = ANY(CAST(:clients AS uuid[]))" if client_ids is not None else None,
        "EXISTS (SELECT 1 FROM service_scopes sc WHERE sc.contract_id = c.id "
        "AND sc.service_id = CAST(:service AS uuid))"
        if service_id
        else None,
    ]


def contracts_ending(
    session: Session,
    today: date,
    client_ids: Collection[uuid.UUID] | None = None,
    service_id: uuid.UUID | None = None,
    horizon_days: int = HORIZON_DAYS,
    max_points: int = MAX_MARKERS,
) -> Renewals:
    """Active contracts ending from today to today + `horizon_days`: one by one, or by week if many."""
    until = today + timedelta(days=horizon_days)
    params = {
        "today": today,
        "until": until,
        "clients": uuid_list(client_ids or ()),
        "service": id_or_none(service_id),
        "limit": max_points + 1,
    }
    conditions = where(*_conditions(client_ids, service_id))
    rows = run(
        session,
        f"""
        SELECT c.id, c.contract_name, c.client_id, cl.company_name, c.end_date, c.value, c.currency
        FROM contracts c JOIN clients cl ON cl.id = c.client_id {conditions}
        ORDER BY c.end_date, c.id LIMIT :limit""",
        params,
    )
    if len(rows) <= max_points:
        return Renewals(until, contracts=[EndingContract(*row) for row in rows])
    weeks = run(
        session,
        f"""
        SELECT date_trunc('week', c.end_date)::date AS week, c.currency, count(*), sum(c.value)
        FROM contracts c {conditions}
        GROUP BY 1, 2 ORDER BY 2, 1""",
        params,
    )
    return Renewals(until, weeks=[EndingWeek(*row) for row in weeks])


def ending_counts(
    session: Session,
    today: date,
    client_ids: Collection[uuid.UUID] | None = None,
    service_id: uuid.UUID | None = None,
    days: tuple[int, ...] = (30, 60, 90),
) -> dict[int, int]:
    """How many active contracts end within each number of `days` from today (cumulative),
    with the renewals chart's conditions (the clients, the contracts holding `service_id`)."""
    filters = ", ".join(f"count(*) FILTER (WHERE c.end_date <= :today + {int(d)})" for d in days)
    row = run(
        session,
        f"SELECT {filters} FROM contracts c {where(*_conditions(client_ids, service_id))}",
        {
            "today": today,
            "until": today + timedelta(days=max(days)),
            "clients": uuid_list(client_ids or ()),
            "service": id_or_none(service_id),
        },
    )[0]
    return dict(zip(days, row, strict=True))
