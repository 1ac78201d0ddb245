"""What a client's service report shows, computed by the dashboards' own queries and figure builders.

`build_report(session, client_id, period)` returns the report as plain JSON-able data (numbers
as strings where they are Decimal, so nothing is rounded twice): the cover, the executive
summary with the previous period beside it, SLA per measure and the breaches, tickets by
priority and status with median times against targets, service health per service metric,
licenses and hardware, contracts and renewals, and the Plotly figures of the charts. A stored
report keeps exactly this (`ClientReport.figures`), so an archived report is drawn again from
it, never from today's data. Nothing here knows about HTTP.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.dashboards.figures import health as health_figures
from app.dashboards.figures import sla as sla_figures
from app.dashboards.figures import tickets as ticket_figures
from app.dashboards.figures.common import empty_message, figure_json
from app.dashboards.queries import health, licenses, renewals, sla, tickets
from app.models.clients import Client
from app.models.contracts import Contract, ContractStatus
from app.models.hardware import ClientHardwareAssignment, HardwareAsset, HardwareAssignmentStatus
from app.models.team import AssignmentRole, ClientTeamAssignment
from app.services.reports.period import ReportPeriod

#: Bumped when the stored shape changes: the renderer reads older shapes too.
FORMAT_VERSION = 1
PRIORITIES = ("critical", "high", "medium", "low")


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class ClientNotFound(LookupError):
    pass


def build_report(
    session: Session, client_id: uuid.UUID, period: ReportPeriod, now: datetime | None = None
) -> dict[str, Any]:
    """The report of `client_id` over `period`, as JSON-able data (see the module's docstring)."""
    client = session.get(Client, client_id)
    if client is None:
        raise ClientNotFound(str(client_id))
    filters = period.filters(client_id)
    previous = period.previous()
    as_of = period.end + timedelta(days=1)
    contracts = _contracts(session, client_id)
    summary = _summary(session, period, client_id)
    summary["previous"] = _summary(session, previous, client_id)
    summary["previous_label"] = previous.label
    sla_months = sla.sla_by_month(session, filters)
    compliance = sla.sla_compliance(session, filters)
    week_flow = tickets.tickets_by_week(session, filters)
    health_rows = health.health_over_range(session, filters)
    usage = licenses.license_usage(session, client_id)
    ending = renewals.contracts_ending(session, as_of, [client_id])
    data: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "client": {
            "id": str(client.id),
            "name": client.company_name,
            "currency": _currency(client, contracts),
        },
        "account_manager": _account_manager(session, client_id),
        "period": {
            "kind": period.kind,
            "key": period.key,
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "generated_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "summary": summary,
        "sla": {
            "measures": [
                {
                    "metric": m.metric_name,
                    "unit": m.unit,
                    "measures": m.measures,
                    "breached": m.breached,
                    "target": _s(m.target_avg),
                    "actual": _s(m.actual_avg),
                }
                for m in sla.sla_by_measure(session, filters)
            ],
            "breaches": [
                {
                    "metric": b.metric_name,
                    "unit": b.unit,
                    "start": b.period_start.isoformat(),
                    "end": b.period_end.isoformat(),
                    "target": _s(b.target_value),
                    "actual": _s(b.actual_value),
                }
                for b in sla.sla_breaches(session, filters)
            ],
            "months": [
                {"month": c.month.isoformat(), "measures": c.measures, "met": c.met, "percent": _s(c.percent)}
                for c in compliance
            ],
        },
        "tickets": {
            "by_priority_status": [
                {"priority": t.priority, "status": t.status, "tickets": t.tickets}
                for t in tickets.tickets_opened_by_priority_status(session, filters)
            ],
            "times": [
                {
                    "priority": t.priority,
                    "opened": t.opened,
                    "resolved": t.resolved,
                    "median_response_minutes": _s(t.median_response_minutes),
                    "response_target_minutes": _s(t.median_response_target_minutes),
                    "responded_in_time": t.responded_in_time,
                    "median_resolution_minutes": _s(t.median_resolution_minutes),
                    "resolution_target_minutes": _s(t.median_resolution_target_minutes),
                    "resolved_in_time": t.resolved_in_time,
                }
                for t in tickets.ticket_times(session, filters)
            ],
        },
        "health": [
            {
                "service": h.service_name,
                "metric": h.metric_name,
                "unit": h.unit,
                "average": h.average,
                "minimum": h.minimum,
                "maximum": h.maximum,
                "last": h.last_value,
                "last_at": h.last_at.isoformat(timespec="minutes"),
                "points": h.points,
            }
            for h in health_rows
        ],
        "licenses": [
            {
                "vendor": p.vendor,
                "product": p.product_name,
                "seats": p.client_seats,
                "pool_seats": p.total_seats,
            }
            for p in usage.pools
        ],
        "hardware": _hardware(session, client_id, period.end),
        "contracts": contracts,
        "renewals": {
            "as_of": as_of.isoformat(),
            "until": ending.horizon_end.isoformat(),
            "contracts": [
                {
                    "name": c.contract_name,
                    "end": c.end_date.isoformat(),
                    "value": _s(c.value),
                    "currency": c.currency,
                }
                for c in ending.contracts
            ],
        },
    }
    data["charts"] = {
        "sla_compliance": sla_figures.compliance_figure(compliance),
        "sla_target_actual": sla_figures.target_actual_figure(sla_months, averaged=False),
        "tickets_flow": ticket_figures.ticket_flow_figure(week_flow),
        "health": health_figures.latest_values_figure([h.as_latest() for h in health_rows], fleet=False),
    }
    # Stored as JSON: through Plotly's own serialiser (Decimals, dates), exactly what the page draws.
    shown = {key: figure for key, figure in data["charts"].items() if empty_message(figure) is None}
    data["charts"] = json.loads(figure_json(shown))
    # SQL sums arrive as Decimal: counts become ints, other numbers stay exact as strings.
    return json.loads(json.dumps(data, default=_plain))


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in a report's figures")


def _summary(session: Session, period: ReportPeriod, client_id: uuid.UUID) -> dict[str, Any]:
    filters = period.filters(client_id)
    compliance = sla.sla_compliance(session, filters)
    measures = sum(c.measures for c in compliance)
    met = sum(c.met for c in compliance)
    totals = tickets.ticket_totals(session, filters)
    incidents = dict.fromkeys(PRIORITIES, 0)
    for row in tickets.tickets_opened_by_priority_status(session, filters):
        incidents[row.priority] = incidents.get(row.priority, 0) + row.tickets
    return {
        "sla_measures": measures,
        "sla_met": met,
        "sla_percent": _s(sla.percent_met(met, measures)),
        "tickets_opened": totals.opened,
        "tickets_resolved": totals.resolved,
        "tickets_breached": totals.breached,
        "incidents_by_priority": incidents,
        "availability": _s(sla.availability(session, filters)),
    }


def _currency(client: Client, contracts: list[dict[str, Any]]) -> str:
    """The currency of the client's active contracts (the one of the latest), else the client's."""
    active = [c for c in contracts if c["status"] == ContractStatus.ACTIVE.value]
    return active[-1]["currency"] if active else client.currency


def _account_manager(session: Session, client_id: uuid.UUID) -> dict[str, str] | None:
    assignment = session.scalars(
        select(ClientTeamAssignment).where(
            ClientTeamAssignment.client_id == client_id,
            ClientTeamAssignment.assignment_role == AssignmentRole.ACCOUNT_MANAGER,
        )
    ).first()
    if assignment is None:
        return None
    user = assignment.user
    return {"name": f"{user.first_name} {user.last_name}".strip(), "email": user.email}


def _contracts(session: Session, client_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Contract)
        .where(Contract.client_id == client_id, Contract.status == ContractStatus.ACTIVE)
        .order_by(Contract.start_date, Contract.contract_name)
    )
    return [
        {
            "name": c.contract_name,
            "status": c.status.value,
            "start": c.start_date.isoformat(),
            "end": c.end_date.isoformat(),
            "renewal": c.renewal_date.isoformat() if c.renewal_date else None,
            "value": str(c.value),
            "currency": c.currency,
        }
        for c in rows
    ]


def _hardware(session: Session, client_id: uuid.UUID, period_end: date) -> list[dict[str, Any]]:
    """Hardware the client holds at the end of the period (assigned by then, not returned by then)."""
    rows = session.execute(
        select(
            HardwareAsset.device_name,
            HardwareAsset.asset_tag,
            HardwareAsset.asset_type,
            ClientHardwareAssignment.assignment_date,
            ClientHardwareAssignment.expected_return_date,
        )
        .join(ClientHardwareAssignment.hardware_asset)
        .where(
            ClientHardwareAssignment.client_id == client_id,
            ClientHardwareAssignment.assignment_date <= period_end,
            (ClientHardwareAssignment.return_date.is_(None))
            | (ClientHardwareAssignment.return_date > period_end),
            ClientHardwareAssignment.status != HardwareAssignmentStatus.LOST,
        )
        .order_by(ClientHardwareAssignment.assignment_date, HardwareAsset.asset_tag)
    ).all()
    return [
        {
            "device": name,
            "tag": tag,
            "type": kind.value,
            "since": since.isoformat(),
            "due_back": due.isoformat() if due else None,
        }
        for name, tag, kind, since, due in rows
    ]
