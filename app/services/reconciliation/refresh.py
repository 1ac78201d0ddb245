"""Writing a month's reconciliation: the rollup the pages, the tile, the CSV and the alerts read.

`refresh_month(month)` recomputes one month from scratch (its lines and findings are
replaced in one transaction), so a late invoice, a moved date or a corrected metric is
taken in by the next refresh. The scheduler refreshes the current month (and, early in a
month, the previous one) after the daily usage rollup (`app.services.reconciliation.usage`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from app.models.reconciliation import ReconciliationFinding, ReconciliationLine
from app.services.reconciliation import sources
from app.services.reconciliation.rules import Line, reconcile_month
from app.services.transaction import session_or_default

#: The namespace of `finding_key`: the same gap on the same record keeps its key month after month.
FINDING_KEY_NAMESPACE = uuid.UUID("5d6a8f0e-2a41-4c1b-9a57-0f3d1c2b7e10")
#: pg_advisory_xact_lock key: two refreshes of a month take turns instead of doubling rows.
REFRESH_LOCK_KEY = 7_305_211_022
BATCH = 1000


@dataclass(frozen=True)
class RefreshReport:
    month: date
    lines: int
    findings: int

    def __str__(self) -> str:
        return f"reconciliation {self.month:%Y-%m}: {self.lines} line(s), {self.findings} finding(s)"


def finding_key(
    kind: str, client_id: uuid.UUID, service_id: uuid.UUID, scope_id: uuid.UUID | None
) -> uuid.UUID:
    """The identity of a finding across months (what an alert is about)."""
    return uuid.uuid5(FINDING_KEY_NAMESPACE, f"{kind}|{client_id}|{service_id}|{scope_id or '-'}")


def compute_month(month: date, session: Session) -> list[Line]:
    """The lines and findings of `month`, not written."""
    month = month.replace(day=1)
    services = sources.service_terms(session)
    return reconcile_month(
        month,
        services,
        sources.scopes_in_force(session, month, services, None),
        sources.seat_holdings(session, month, None),
        sources.deployed_figures(session, month, services, None),
        sources.money_items(session, month, None),
    )


def refresh_month(
    month: date, *, session: Session | None = None, now: datetime | None = None
) -> RefreshReport:
    """Recompute and store `month`'s reconciliation; commits."""
    session = session_or_default(session)
    month = month.replace(day=1)
    now = now or datetime.now(UTC)
    try:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REFRESH_LOCK_KEY})
        lines = compute_month(month, session)
        previous = _previous_first_months(session, month)
        session.execute(delete(ReconciliationLine).where(ReconciliationLine.month == month))
        line_rows, finding_rows = [], []
        for line in lines:
            line_id = uuid.uuid4()
            line_rows.append(
                {
                    "id": line_id,
                    "month": month,
                    "client_id": line.client_id,
                    "service_id": line.service_id,
                    "contract_id": line.contract_id,
                    "service_scope_id": line.scope_id,
                    "currency": line.currency,
                    "unit": line.unit,
                    "entitled_quantity": line.entitled_quantity,
                    "unit_price": line.unit_price,
                    "entitled_value": line.entitled_value,
                    "allowance": line.allowance,
                    "assigned_seats": line.assigned_seats,
                    "deployed": line.deployed,
                    "billed": line.billed,
                    "cost": line.cost,
                    "notes": "\n".join(line.notes) or None,
                    "finding_count": len(line.findings),
                    "money_at_stake": sum((f.value for f in line.findings), start=Decimal(0)),
                    "computed_at": now,
                }
            )
            for found in line.findings:
                key = finding_key(found.kind.value, line.client_id, line.service_id, line.scope_id)
                finding_rows.append(
                    {
                        # The same finding of the same month keeps its id across refreshes: alerts
                        # and bookmarks point at it.
                        "id": uuid.uuid5(key, month.isoformat()),
                        "line_id": line_id,
                        "finding_key": key,
                        "month": month,
                        "first_month": previous.get(key, month),
                        "client_id": line.client_id,
                        "service_id": line.service_id,
                        "contract_id": line.contract_id,
                        "service_scope_id": line.scope_id,
                        "kind": found.kind,
                        "quantity": found.quantity,
                        "value": found.value,
                        "currency": found.currency,
                        "is_revenue": found.is_revenue,
                        "detail": found.detail[:500],
                        "computed_at": now,
                    }
                )
        for start in range(0, len(line_rows), BATCH):
            session.execute(insert(ReconciliationLine), line_rows[start : start + BATCH])
        for start in range(0, len(finding_rows), BATCH):
            session.execute(insert(ReconciliationFinding), finding_rows[start : start + BATCH])
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return RefreshReport(month, len(line_rows), len(finding_rows))


def _previous_first_months(session: Session, month: date) -> dict[uuid.UUID, date]:
    """finding_key -> the month a run of the same finding started, for last month's findings."""
    previous = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
    rows = session.execute(
        select(ReconciliationFinding.finding_key, ReconciliationFinding.first_month).where(
            ReconciliationFinding.month == previous
        )
    )
    return {row.finding_key: row.first_month for row in rows}
