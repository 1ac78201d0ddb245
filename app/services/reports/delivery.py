"""E-mailing approved reports through the alert e-mails' SMTP settings, once per report and recipient.

Each delivery row is unique per (report, recipient). A run takes a due delivery under a row
lock (SKIP LOCKED: two runs never take the same one), marks it SENDING and commits *before*
talking to SMTP; then marks it SENT or FAILED. So a scheduler killed mid-batch leaves at most
the one delivery it was sending as SENDING: it is never retried on its own (the message may
have left), it shows as "sending" on Reports > E-mails, and every other recipient gets their
e-mail from the next run. A FAILED delivery (every attempt of a run failed) is retried by the
runs of the next MSSP_REPORT_SEND_RETRY_HOURS (48) hours; the attempts and last error stay
visible. The PDF (or the HTML document) is attached.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.reports import ClientReport, ClientReportDelivery, DeliveryStatus, ReportStatus
from app.services.alerts.email import UNREACHABLE, SmtpSettings, _deliver_with_retries, _describe
from app.services.reports.archive import PDF_TYPE, branding

log = logging.getLogger(__name__)


@dataclass
class SendOutcome:
    sent: int = 0
    failed: int = 0
    postponed: int = 0


def retry_hours() -> int:
    return int(current_app.config.get("MSSP_REPORT_SEND_RETRY_HOURS") or 48)


def build_message(settings: SmtpSettings, report: ClientReport, recipient: str, company: str) -> EmailMessage:
    data = report.figures
    message = EmailMessage()
    message["Subject"] = f"{company}: service report {data['period']['label']} — {data['client']['name']}"
    message["From"] = settings.sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    summary = data["summary"]
    lines = [
        "Hello,",
        "",
        f"please find attached the service report of {data['client']['name']} for {data['period']['label']}.",
        "",
        f"SLA attainment: {summary['sla_percent'] or '—'} % "
        f"({summary['sla_met']} of {summary['sla_measures']} measures met)",
        f"Tickets opened: {summary['tickets_opened']}, resolved: {summary['tickets_resolved']}",
        "",
    ]
    if report.notes:
        lines += ["Notes from your account manager:", report.notes, ""]
    lines += [f"— {company}"]
    message.set_content("\n".join(lines))
    if report.file:
        pdf = report.file_type == PDF_TYPE
        maintype, subtype = ("application", "pdf") if pdf else ("text", "html")
        name = f"service-report-{data['period']['key']}.{'pdf' if pdf else 'html'}"
        message.add_attachment(report.file, maintype=maintype, subtype=subtype, filename=name)
    return message


def _due(session: Session, now: datetime) -> list[uuid.UUID]:
    since = now - timedelta(hours=retry_hours())
    return list(
        session.scalars(
            select(ClientReportDelivery.id)
            .join(ClientReport)
            .where(
                ClientReport.status.in_([ReportStatus.APPROVED, ReportStatus.SENT]),
                (ClientReportDelivery.status == DeliveryStatus.PENDING)
                | (
                    (ClientReportDelivery.status == DeliveryStatus.FAILED)
                    & (ClientReport.approved_at >= since)
                ),
            )
            .order_by(ClientReportDelivery.created_at, ClientReportDelivery.id)
        )
    )


def _take(session: Session, delivery_id: uuid.UUID) -> ClientReportDelivery | None:
    """Mark one due delivery SENDING and commit; None when another run has it or it is done."""
    delivery = session.scalars(
        select(ClientReportDelivery)
        .where(
            ClientReportDelivery.id == delivery_id,
            ClientReportDelivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
        )
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).first()
    if delivery is None:
        session.rollback()
        return None
    delivery.status = DeliveryStatus.SENDING
    delivery.last_attempt_at = datetime.now(UTC)
    session.commit()
    return delivery


def _finish_report(session: Session, report_id: uuid.UUID) -> None:
    report = session.get(ClientReport, report_id)
    if report is not None and all(d.status is DeliveryStatus.SENT for d in report.deliveries):
        report.status = ReportStatus.SENT


def send_due_reports(settings: SmtpSettings, session: Session, now: datetime | None = None) -> SendOutcome:
    """Send every due delivery (see the module's docstring); never raises for one e-mail."""
    now = now or datetime.now(UTC)
    outcome = SendOutcome()
    company = branding(session).company_name
    due = _due(session, now)
    session.commit()
    for index, delivery_id in enumerate(due):
        delivery = _take(session, delivery_id)
        if delivery is None:
            continue
        message = build_message(settings, delivery.report, delivery.recipient, company)
        attempts, error = _deliver_with_retries(settings, message)
        delivery.attempts += attempts
        if error is None:
            delivery.status, delivery.sent_at, delivery.last_error = (
                DeliveryStatus.SENT,
                datetime.now(UTC),
                None,
            )
            outcome.sent += 1
            _finish_report(session, delivery.report_id)
        else:
            delivery.status, delivery.last_error = DeliveryStatus.FAILED, _describe(error)
            outcome.failed += 1
        session.commit()
        if error is not None and isinstance(error, UNREACHABLE):
            outcome.postponed = len(due) - index - 1
            log.error("report e-mails: SMTP server unreachable; %d left for the next run", outcome.postponed)
            break
    return outcome
