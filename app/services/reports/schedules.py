"""Scheduled reports: which clients are due, and generating a period's reports as a batch.

A schedule says monthly or quarterly and a day of the month (1-28). On that day (or any later
run, if the scheduler was down) the report of the period that just ended is generated for the
client, once: the report is unique per client and period, so a second run, a restarted
scheduler or the CLI skips it. A batch records its progress (done / failed / total) as it goes,
committing each report, so the Reports > Batches screen and the CLI show it and a restart
continues with the clients not done yet.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.models.clients import Client, ClientStatus
from app.models.reports import BatchStatus, ClientReport, ReportBatch, ReportFrequency, ReportSchedule
from app.services.reports.archive import generate_report
from app.services.reports.period import MONTH, QUARTER, ReportPeriod

log = logging.getLogger(__name__)

#: Deliberately simple: one @, no spaces, a dot in the domain (the SMTP server has the last word).
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_RECIPIENTS = 20


def clean_recipients(values: Iterable[str] | None) -> list[str]:
    """The addresses, trimmed and lower-cased, once each; ValidationFailed naming `recipients`."""
    if values is None:
        return []
    if isinstance(values, str):
        raise ValidationFailed(
            'Recipients are a list of addresses, e.g. ["it@client.example"].', "recipients"
        )
    found: list[str] = []
    for value in values:
        address = str(value or "").strip().lower()
        if not EMAIL.match(address) or len(address) > 320:
            raise ValidationFailed(f"{value!r} is not an e-mail address.", "recipients")
        if address not in found:
            found.append(address)
    if len(found) > MAX_RECIPIENTS:
        raise ValidationFailed(f"At most {MAX_RECIPIENTS} recipients.", "recipients")
    return found


def period_due(schedule: ReportSchedule, today: date) -> ReportPeriod | None:
    """The period whose report this schedule makes today or earlier (None before its day)."""
    if today.day < schedule.day_of_month:
        return None
    if schedule.frequency is ReportFrequency.QUARTERLY:
        if today.month not in (1, 4, 7, 10):
            return None  # a quarter's report is made in the month after it
        return ReportPeriod.last_completed(QUARTER, today)
    return ReportPeriod.last_completed(MONTH, today)


@dataclass(frozen=True)
class DueReport:
    client_id: uuid.UUID
    period: ReportPeriod
    review: bool


def due_reports(session: Session, today: date) -> list[DueReport]:
    """The (client, period) of every enabled schedule due today whose report does not exist yet."""
    due = []
    schedules = session.scalars(
        select(ReportSchedule)
        .join(Client)
        .where(ReportSchedule.enabled.is_(True), Client.status == ClientStatus.ACTIVE)
    )
    for schedule in schedules:
        period = period_due(schedule, today)
        if period is not None:
            due.append(DueReport(schedule.client_id, period, schedule.review_required))
    if not due:
        return []
    existing = set(
        session.execute(
            select(ClientReport.client_id, ClientReport.period_key).where(
                ClientReport.client_id.in_([d.client_id for d in due])
            )
        ).all()
    )
    return [d for d in due if (d.client_id, d.period.key) not in existing]


Progress = Callable[[int, int, int], None]


def run_batch(
    session: Session,
    items: list[DueReport],
    period_key: str,
    trigger: str,
    progress: Progress | None = None,
    user_id: int | None = None,
) -> ReportBatch:
    """Generate each item's report, committing one by one and the batch's progress every few."""
    batch = ReportBatch(period_key=period_key, trigger=trigger, total=len(items))
    session.add(batch)
    session.commit()
    batch_id = batch.id
    done = failed = 0
    for index, item in enumerate(items, start=1):
        try:
            generate_report(session, item.client_id, item.period, review=item.review, user_id=user_id)
            session.commit()
            done += 1
        except Exception:
            session.rollback()
            failed += 1
            log.exception("report of client %s for %s failed", item.client_id, item.period.key)
        if index % 10 == 0 or index == len(items):
            batch = session.get(ReportBatch, batch_id)
            batch.done, batch.failed = done, failed
            session.commit()
        if progress is not None:
            progress(index, len(items), failed)
    batch = session.get(ReportBatch, batch_id)
    batch.done, batch.failed = done, failed
    batch.status = BatchStatus.FINISHED if not failed else BatchStatus.FAILED
    batch.finished_at = datetime.now(UTC)
    batch.detail = f"{done} generated, {failed} failed" + (" (see the scheduler's log)" if failed else "")
    session.commit()
    return batch


def items_for_period(
    session: Session,
    period: ReportPeriod,
    every_active: bool = False,
    client_ids: list[uuid.UUID] | None = None,
) -> list[DueReport]:
    """The CLI's batch: scheduled clients (or every active one) without a report of `period` yet."""
    query = select(Client.id, ReportSchedule.review_required).outerjoin(
        ReportSchedule, ReportSchedule.client_id == Client.id
    )
    if client_ids:
        query = query.where(Client.id.in_(client_ids))
    elif every_active:
        query = query.where(Client.status == ClientStatus.ACTIVE)
    else:
        query = query.where(ReportSchedule.enabled.is_(True), Client.status == ClientStatus.ACTIVE)
    rows = session.execute(query.order_by(Client.company_name)).all()
    existing = set(
        session.scalars(select(ClientReport.client_id).where(ClientReport.period_key == period.key))
    )
    return [DueReport(cid, period, bool(review)) for cid, review in rows if cid not in existing]


def reports_job(ctx) -> str:
    """The scheduler's job (app.jobs.definitions): generate the due reports, then send the due e-mails."""
    from app.extensions import db
    from app.services.alerts.email import smtp_settings
    from app.services.reports.delivery import send_due_reports

    session = db.session
    today = ctx.now.date()
    due = due_reports(session, today)
    generated = ""
    if due:
        keys = sorted({d.period.key for d in due})
        batch = run_batch(session, due, ",".join(keys), "schedule")
        generated = f"{batch.done} report(s) generated, {batch.failed} failed; "
    settings = smtp_settings()
    if settings is None:
        return generated + "e-mail off (MSSP_SMTP_HOST unset)"
    outcome = send_due_reports(settings, session, now=ctx.now)
    return (
        generated + f"{outcome.sent} e-mail(s) sent, {outcome.failed} failed, {outcome.postponed} postponed"
    )
