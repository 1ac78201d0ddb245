"""What each alert kind looks at: one query per kind, returning the records it concerns.

A rule is called in two ways by the evaluation (app.services.alerts.evaluation):

- to fire (`only_ids` None): the records that may have a level due today, narrowed in
  SQL to the window of the configured levels;
- to check open alerts (`only_ids` given): those records as they are now, whether or
  not anything is due, so that an alert whose record was renewed, extended, returned or
  is back to normal can be resolved.

Each returned `Candidate` carries the level due now (or None), and for date kinds the
date it counts down to (`occurrence`); condition kinds leave `occurrence` to the
evaluation, which numbers their episodes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from app.models.alerts import AlertKind
from app.models.clients import Client
from app.models.contracts import Contract, ContractStatus
from app.models.hardware import ClientHardwareAssignment, HardwareAsset, HardwareAssignmentStatus
from app.models.integrations import DataSourceQuery, ExternalDataSource
from app.models.licensing import ClientLicense, LicensePool
from app.models.metrics import SLAMetric, TicketSummary
from app.models.reconciliation import FindingKind, ReconciliationFinding
from app.services.alerts.kinds import KINDS, LevelMeaning, due_level
from app.services.contract_counting import COUNTING_STATUS, counts
from app.services.licensing import SEAT_HOLDING_STATUSES

#: Breaches older than this are history, not news: the first run after an upgrade
#: does not alert on every breach ever recorded.
BREACH_LOOKBACK_DAYS = 30

#: Contracts whose alerts stay open: in force, or lapsed and still renewable (and not renewed
#: yet: a contract renewed early keeps counting until its end, but needs no more reminders).
LIVE_CONTRACT_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRED)


@dataclass(frozen=True)
class RuleContext:
    today: date
    now: datetime
    levels: tuple[int, ...]


@dataclass(frozen=True)
class Candidate:
    record_id: uuid.UUID
    client_id: uuid.UUID | None
    #: The due date (ISO) for date kinds; None for conditions (the evaluation numbers episodes).
    occurrence: str | None
    #: The level due now; None: nothing due, but the record still stands behind its alerts.
    level: int | None
    due_date: date | None
    title: str
    detail: str | None = None


#: The records to check, or None: the records with something due.
Ids = list[uuid.UUID] | None
Rule = Callable[[Session, RuleContext, Ids], list[Candidate]]


def in_days(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def _window(ctx: RuleContext) -> tuple[date, date]:
    return ctx.today, ctx.today + timedelta(days=max(ctx.levels))


def _dated(
    kind: AlertKind, ctx: RuleContext, firing: bool, record_id: uuid.UUID, client_id: uuid.UUID | None,
    due: date, title: Callable[[str], str], detail: str | None = None,
) -> Candidate:
    info = KINDS[kind]
    after = info.meaning is LevelMeaning.DAYS_AFTER
    measure = (ctx.today - due).days if after else (due - ctx.today).days
    level = due_level(info.meaning, ctx.levels, measure) if firing else None
    when = in_days(measure) if info.meaning is LevelMeaning.DAYS_BEFORE else f"{measure} day(s) ago"
    return Candidate(record_id, client_id, due.isoformat(), level, due, title(when), detail)


# --- contracts -----------------------------------------------------------------------------------


def _contracts(date_column, kind: AlertKind, verb: str) -> Rule:  # type: ignore[no-untyped-def]
    def rule(session: Session, ctx: RuleContext, only_ids: Ids) -> list[Candidate]:
        renewal = aliased(Contract)
        query = (
            select(Contract.id, Contract.client_id, Contract.contract_name, Contract.status,
                   date_column.label("due"), Client.company_name)
            .join(Client, Client.id == Contract.client_id)
            .where(date_column.is_not(None))
            .where(~select(renewal.id).where(renewal.previous_contract_id == Contract.id).exists())
        )
        if only_ids is None:
            query = query.where(counts(), date_column.between(*_window(ctx)))
        else:
            query = query.where(Contract.id.in_(only_ids), Contract.status.in_(LIVE_CONTRACT_STATUSES))
        return [
            _dated(
                kind, ctx, only_ids is None and row.status is COUNTING_STATUS, row.id, row.client_id,
                row.due, lambda when, row=row: f"Contract {row.contract_name} of {row.company_name} "
                f"{verb} {when} ({row.due:%d %b %Y})",
            )
            for row in session.execute(query)
        ]

    return rule


contract_renewal = _contracts(Contract.renewal_date, AlertKind.CONTRACT_RENEWAL, "is up for renewal")
contract_end = _contracts(Contract.end_date, AlertKind.CONTRACT_END, "ends")


# --- licenses ------------------------------------------------------------------------------------


def license_pool_expiry(session: Session, ctx: RuleContext, only_ids: Ids) -> list[Candidate]:
    query = select(LicensePool).where(LicensePool.expiry_date.is_not(None), LicensePool.is_active)
    if only_ids is None:
        query = query.where(LicensePool.expiry_date.between(*_window(ctx)))
    else:
        query = query.where(LicensePool.id.in_(only_ids))
    return [
        _dated(
            AlertKind.LICENSE_POOL_EXPIRY, ctx, only_ids is None, pool.id, None, pool.expiry_date,
            lambda when, pool=pool: f"License pool {pool} expires {when} ({pool.expiry_date:%d %b %Y})",
            f"{pool.total_seats} seat(s).",
        )
        for pool in session.scalars(query)
    ]


def client_license_expiry(
    session: Session, ctx: RuleContext, only_ids: Ids
) -> list[Candidate]:
    query = (
        select(ClientLicense.id, ClientLicense.client_id, ClientLicense.assigned_seats,
               LicensePool.vendor, LicensePool.product_name, LicensePool.expiry_date, Client.company_name)
        .join(LicensePool, LicensePool.id == ClientLicense.license_pool_id)
        .join(Client, Client.id == ClientLicense.client_id)
        .where(LicensePool.expiry_date.is_not(None), ClientLicense.status.in_(SEAT_HOLDING_STATUSES))
    )
    if only_ids is None:
        query = query.where(LicensePool.expiry_date.between(*_window(ctx)))
    else:
        query = query.where(ClientLicense.id.in_(only_ids))
    return [
        _dated(
            AlertKind.CLIENT_LICENSE_EXPIRY, ctx, only_ids is None, row.id, row.client_id, row.expiry_date,
            lambda when, row=row: f"{row.assigned_seats} {row.vendor} {row.product_name} seat(s) of "
            f"{row.company_name} expire {when} ({row.expiry_date:%d %b %Y})",
        )
        for row in session.execute(query)
    ]


def license_pool_utilisation(
    session: Session, ctx: RuleContext, only_ids: Ids
) -> list[Candidate]:
    assigned = (
        select(func.coalesce(func.sum(ClientLicense.assigned_seats), 0))
        .where(ClientLicense.license_pool_id == LicensePool.id)
        .where(ClientLicense.status.in_(SEAT_HOLDING_STATUSES))
        .scalar_subquery()
    )
    query = (
        select(LicensePool, assigned.label("assigned"))
        .where(LicensePool.is_active, LicensePool.total_seats > 0)
        .where(assigned * 100 >= min(ctx.levels) * LicensePool.total_seats)
    )
    if only_ids is not None:
        query = query.where(LicensePool.id.in_(only_ids))
    candidates = []
    for pool, seats in session.execute(query):
        percent = (Decimal(seats) * 100 / pool.total_seats).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        level = due_level(LevelMeaning.PERCENT, ctx.levels, percent)
        candidates.append(Candidate(
            pool.id, None, None, level, None,
            f"License pool {pool} is {percent} % used ({seats} of {pool.total_seats} seats)",
            f"{pool.total_seats - seats} seat(s) left." if seats < pool.total_seats else "No seat left.",
        ))
    return candidates


# --- operations ----------------------------------------------------------------------------------


def sla_metric_breach(session: Session, ctx: RuleContext, only_ids: Ids) -> list[Candidate]:
    query = (
        select(SLAMetric, Client.company_name)
        .join(Client, Client.id == SLAMetric.client_id)
        .where(SLAMetric.is_breached)
    )
    if only_ids is None:
        query = query.where(SLAMetric.period_end >= ctx.today - timedelta(days=BREACH_LOOKBACK_DAYS))
    else:
        query = query.where(SLAMetric.id.in_(only_ids))
    return [
        Candidate(
            metric.id, metric.client_id, None, 0, metric.period_end,
            f"SLA breached: {metric.metric_name} of {company} for {metric.period_start:%d %b} – "
            f"{metric.period_end:%d %b %Y}",
            f"Actual {_number(metric.actual_value)} {metric.unit.value} against a target of "
            f"{_number(metric.target_value)} {metric.unit.value}.",
        )
        for metric, company in session.execute(query)
    ]


def ticket_sla_breach(session: Session, ctx: RuleContext, only_ids: Ids) -> list[Candidate]:
    query = (
        select(TicketSummary, Client.company_name)
        .join(Client, Client.id == TicketSummary.client_id)
        .where(TicketSummary.is_sla_breached)
    )
    if only_ids is None:
        since = ctx.now - timedelta(days=BREACH_LOOKBACK_DAYS)
        query = query.where(func.coalesce(TicketSummary.resolved_at, ctx.now) >= since)
    else:
        query = query.where(TicketSummary.id.in_(only_ids))
    return [
        Candidate(
            ticket.id, ticket.client_id, None, 0, None,
            f"Ticket {ticket.external_key} of {company} breached its SLA",
            f"{ticket.priority.value.title()} priority, {ticket.status.value.replace('_', ' ')}: "
            f"{ticket.summary}",
        )
        for ticket, company in session.execute(query)
    ]


def data_source_failing(session: Session, ctx: RuleContext, only_ids: Ids) -> list[Candidate]:
    query = (
        select(DataSourceQuery, ExternalDataSource.name)
        .join(ExternalDataSource, ExternalDataSource.id == DataSourceQuery.data_source_id)
        .where(DataSourceQuery.is_active, ExternalDataSource.is_active)
        .where(DataSourceQuery.consecutive_failures >= min(ctx.levels))
    )
    if only_ids is not None:
        query = query.where(DataSourceQuery.id.in_(only_ids))
    return [
        Candidate(
            q.id, None, None, due_level(LevelMeaning.RUNS, ctx.levels, q.consecutive_failures), None,
            f"Data-source query {source}: {q.name} failed {q.consecutive_failures} runs in a row",
            f"Last error: {q.last_error}" if q.last_error else None,
        )
        for q, source in session.execute(query)
    ]


def hardware_overdue(session: Session, ctx: RuleContext, only_ids: Ids) -> list[Candidate]:
    a = ClientHardwareAssignment
    query: Select = (
        select(a.id, a.client_id, a.expected_return_date, HardwareAsset.asset_tag, HardwareAsset.device_name,
               Client.company_name)
        .join(HardwareAsset, HardwareAsset.id == a.hardware_asset_id)
        .join(Client, Client.id == a.client_id)
        .where(a.expected_return_date.is_not(None), a.return_date.is_(None),
               a.status == HardwareAssignmentStatus.ACTIVE)
    )
    if only_ids is None:
        query = query.where(a.expected_return_date <= ctx.today - timedelta(days=min(ctx.levels)))
    else:
        query = query.where(a.id.in_(only_ids))
    return [
        _dated(
            AlertKind.HARDWARE_OVERDUE, ctx, only_ids is None, row.id, row.client_id,
            row.expected_return_date,
            lambda when, row=row: f"{row.asset_tag} {row.device_name} at {row.company_name} was due back "
            f"{when} ({row.expected_return_date:%d %b %Y})",
        )
        for row in session.execute(query)
    ]


def _number(value: Decimal | None) -> str:
    return "none" if value is None else f"{value.normalize():f}"


# --- reconciliation ------------------------------------------------------------------------------


def _months_running():  # type: ignore[no-untyped-def]
    f = ReconciliationFinding
    return (
        (func.extract("year", f.month) - func.extract("year", f.first_month)) * 12
        + func.extract("month", f.month) - func.extract("month", f.first_month) + 1
    )


def _findings(kind: AlertKind, measure, meaning: LevelMeaning) -> Rule:  # type: ignore[no-untyped-def]
    """This month's findings (the record is the month's finding, `occurrence` the month): once
    per finding and month. Not-reconcilable notices never alert. Last month's alerts resolve."""

    def rule(session: Session, ctx: RuleContext, only_ids: Ids) -> list[Candidate]:
        f = ReconciliationFinding
        month = ctx.today.replace(day=1)
        query = (
            select(f, Client.company_name, measure.label("measure"))
            .join(Client, Client.id == f.client_id)
            .where(f.month == month, f.kind != FindingKind.NOT_RECONCILABLE)
        )
        if only_ids is None:
            query = query.where(measure >= min(ctx.levels))
        else:
            query = query.where(f.id.in_(only_ids))
        candidates = []
        for finding, company, measured in session.execute(query):
            level = due_level(meaning, ctx.levels, measured) if only_ids is None else None
            running = "" if meaning is LevelMeaning.AMOUNT else f" for {int(measured)} months in a row"
            candidates.append(Candidate(
                finding.id, finding.client_id, f"{month:%Y-%m}", level, month,
                f"{finding.kind.label} at {company}{running}: {finding.value:,.2f} {finding.currency} "
                f"({month:%b %Y})",
                finding.detail,
            ))
        return candidates

    return rule


reconciliation_finding = _findings(
    AlertKind.RECONCILIATION_FINDING, ReconciliationFinding.value, LevelMeaning.AMOUNT
)
reconciliation_persists = _findings(AlertKind.RECONCILIATION_PERSISTS, _months_running(), LevelMeaning.MONTHS)


RULES: dict[AlertKind, Rule] = {
    AlertKind.CONTRACT_RENEWAL: contract_renewal,
    AlertKind.CONTRACT_END: contract_end,
    AlertKind.LICENSE_POOL_EXPIRY: license_pool_expiry,
    AlertKind.CLIENT_LICENSE_EXPIRY: client_license_expiry,
    AlertKind.LICENSE_POOL_UTILISATION: license_pool_utilisation,
    AlertKind.SLA_METRIC_BREACH: sla_metric_breach,
    AlertKind.TICKET_SLA_BREACH: ticket_sla_breach,
    AlertKind.DATA_SOURCE_FAILING: data_source_failing,
    AlertKind.HARDWARE_OVERDUE: hardware_overdue,
    AlertKind.RECONCILIATION_FINDING: reconciliation_finding,
    AlertKind.RECONCILIATION_PERSISTS: reconciliation_persists,
}
