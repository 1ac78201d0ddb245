"""SLA breaches: an actual figure against its target, and the daily evaluation pass.

Direction by unit: a PERCENT target is a floor (availability 99.9 %: below it is a
breach); MINUTES, HOURS and COUNT targets are ceilings (response time, incidents:
above it is a breach). A metric without an actual value is not breached (yet).
A ticket is breached when it was answered or resolved after its due time, or is
still waiting past it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, func, or_, update

from app.extensions import db
from app.models.metrics import SLAMetric, SlaUnit, TicketSummary

HIGHER_IS_BETTER = frozenset({SlaUnit.PERCENT})


def is_breached(actual: Decimal | float | None, target: Decimal | float, unit: SlaUnit) -> bool:
    """Whether `actual` misses `target` for a metric measured in `unit`."""
    if actual is None:
        return False
    if unit in HIGHER_IS_BETTER:
        return actual < target
    return actual > target


@dataclass(frozen=True)
class BreachReport:
    metrics_changed: int
    tickets_changed: int

    def __str__(self) -> str:
        return (
            f"{self.metrics_changed} SLA metric(s) and {self.tickets_changed} ticket(s) changed breach state"
        )


def _metric_breach_expression() -> ColumnElement[bool]:
    higher = [u.value for u in HIGHER_IS_BETTER]
    return case(
        (SLAMetric.actual_value.is_(None), False),
        (SLAMetric.unit.in_(higher), SLAMetric.actual_value < SLAMetric.target_value),
        else_=SLAMetric.actual_value > SLAMetric.target_value,
    )


def _ticket_breach_expression(now: datetime) -> ColumnElement[bool]:
    t = TicketSummary
    return or_(
        and_(t.response_due_at.is_not(None), func.coalesce(t.first_response_at, now) > t.response_due_at),
        and_(t.resolution_due_at.is_not(None), func.coalesce(t.resolved_at, now) > t.resolution_due_at),
    )


def evaluate_breaches(now: datetime | None = None) -> BreachReport:
    """Recompute `is_breached` on every SLA metric and ticket whose state changed; commits.

    Set-based (two UPDATEs), so it costs the same with ten rows or a million.
    """
    now = now or datetime.now(UTC)
    session = db.session
    metric_breach = _metric_breach_expression()
    metrics = session.execute(
        update(SLAMetric)
        .where(SLAMetric.is_breached.is_distinct_from(metric_breach))
        .values(is_breached=metric_breach, version=SLAMetric.version + 1)
        .execution_options(synchronize_session=False)
    )
    ticket_breach = _ticket_breach_expression(now)
    tickets = session.execute(
        update(TicketSummary)
        .where(TicketSummary.is_sla_breached.is_distinct_from(ticket_breach))
        .values(is_sla_breached=ticket_breach, version=TicketSummary.version + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return BreachReport(metrics.rowcount, tickets.rowcount)
