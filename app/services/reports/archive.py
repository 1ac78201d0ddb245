"""Stored reports: who may open a client's reports, generating and storing one, notes, approval.

A stored report keeps the figures it showed and its file; it is unique per client and period
(a second generation of the same period is a no-op). Who may open a client's report is who may
see that client's money on the dashboards (app.dashboards.access): Admins and Managers every
client, an account manager the clients they are on the team of, nobody else.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.dashboards.access import DashboardAccess, access_for
from app.dashboards.figures.common import figure_json
from app.errors import ValidationFailed
from app.models.reports import (
    ClientReport,
    ClientReportDelivery,
    ReportBranding,
    ReportSchedule,
    ReportStatus,
)
from app.models.team import AssignmentRole, ClientTeamAssignment
from app.models.users import MsspUser
from app.services.reports import document, pdf
from app.services.reports.content import build_report
from app.services.reports.period import ReportPeriod

#: The notes a report carries at most (characters).
MAX_NOTES = 20_000
HTML_TYPE, PDF_TYPE = "text/html", "application/pdf"


class NotAllowed(PermissionError):
    """The person may not open this client's reports."""


class ReportNotEditable(ValidationFailed):
    """Notes and approval apply to a draft only."""


def report_access(session: Session, user_id: int, role_names: Iterable[str]) -> DashboardAccess:
    return access_for(session, user_id, role_names)


def check_may_open(access: DashboardAccess, client_id: uuid.UUID) -> None:
    """Raise NotAllowed unless `access` may see this client's reports (its money figures)."""
    if not access.may_see_finance_of(client_id):
        raise NotAllowed("This client's reports are shown to its account team and managers.")


def branding(session: Session) -> document.Branding:
    return document.Branding.from_row(session.get(ReportBranding, 1))


def stored_report(session: Session, client_id: uuid.UUID, period: ReportPeriod) -> ClientReport | None:
    return session.scalars(
        select(ClientReport).where(ClientReport.client_id == client_id, ClientReport.period_key == period.key)
    ).first()


def render_file(session: Session, data: dict, notes: str | None) -> tuple[bytes, str]:
    """The report's file: a PDF when the engine is installed, else the standalone HTML document."""
    look = branding(session)
    if pdf.pdf_engine_problem() is None:
        return render_pdf(data, look, notes), PDF_TYPE
    return document.render_document(data, look, notes).encode(), HTML_TYPE


def render_pdf(data: dict, look: document.Branding, notes: str | None) -> bytes:
    return pdf.render_pdf(
        f"<style>{document.render_style(look)}</style>",
        document.render_body(data, look, notes),
        figure_json(document.figures_by_element(data)),
    )


def generate_report(
    session: Session,
    client_id: uuid.UUID,
    period: ReportPeriod,
    *,
    review: bool,
    user_id: int | None = None,
    with_file: bool = True,
    now: datetime | None = None,
) -> ClientReport | None:
    """Compute, render and store the report of `client_id` over `period` (flushes, no commit).

    A draft when `review` (it waits for notes and approval), else approved with its deliveries
    claimed. None when the period's report exists already (it is never made twice).
    """
    if stored_report(session, client_id, period) is not None:
        return None
    now = now or datetime.now(UTC)
    data = build_report(session, client_id, period, now=now)
    file, file_type = render_file(session, data, None) if with_file else (None, None)
    report_id = session.scalar(
        insert(ClientReport)
        .values(
            client_id=client_id,
            period_key=period.key,
            period_start=period.start,
            period_end=period.end,
            status=ReportStatus.DRAFT if review else ReportStatus.APPROVED,
            figures=data,
            file=file,
            file_type=file_type,
            generated_at=now,
            generated_by_id=user_id,
            approved_at=None if review else now,
        )
        .on_conflict_do_nothing(constraint="uq_client_reports_period")
        .returning(ClientReport.id)
    )
    if report_id is None:
        return None
    report = session.get(ClientReport, report_id)
    if not review:
        claim_deliveries(session, report)
    return report


def save_notes(session: Session, report: ClientReport, notes: str) -> None:
    """The account manager's notes of a draft (flushes)."""
    if report.status is not ReportStatus.DRAFT:
        raise ReportNotEditable("Only a draft's notes can be changed: this report is approved.", "notes")
    notes = (notes or "").replace("\r\n", "\n").strip()
    if len(notes) > MAX_NOTES:
        raise ValidationFailed(f"Notes may be at most {MAX_NOTES:,} characters.", "notes")
    report.notes = notes or None
    session.flush()


def approve(session: Session, report: ClientReport, user_id: int, now: datetime | None = None) -> int:
    """Approve a draft: its file is made again with the notes, its e-mails become due. Returns
    how many recipients it goes to (flushes)."""
    if report.status is not ReportStatus.DRAFT:
        raise ReportNotEditable("This report is approved already.", "status")
    report.file, report.file_type = render_file(session, report.figures, report.notes)
    report.status = ReportStatus.APPROVED
    report.approved_at = now or datetime.now(UTC)
    report.approved_by_id = user_id
    session.flush()
    return claim_deliveries(session, report)


def recipients_for(session: Session, client_id: uuid.UUID) -> list[str]:
    """The schedule's addresses and, when it says so, the account manager's (lower case, once each)."""
    schedule = session.scalars(select(ReportSchedule).where(ReportSchedule.client_id == client_id)).first()
    if schedule is None:
        return []
    found = list(schedule.recipients or [])
    if schedule.include_account_manager:
        email = session.scalar(
            select(MsspUser.email)
            .join(ClientTeamAssignment, ClientTeamAssignment.user_id == MsspUser.id)
            .where(
                ClientTeamAssignment.client_id == client_id,
                ClientTeamAssignment.assignment_role == AssignmentRole.ACCOUNT_MANAGER,
                MsspUser.active.is_(True),
            )
        )
        if email:
            found.append(email)
    return list(dict.fromkeys(address.strip().lower() for address in found if address and address.strip()))


def claim_deliveries(session: Session, report: ClientReport) -> int:
    """One delivery per recipient of the report (ON CONFLICT DO NOTHING: never two); flushes.

    A report with nobody to send to is SENT at once (it stays in the archive)."""
    addresses = recipients_for(session, report.client_id)
    for address in addresses:
        session.execute(
            insert(ClientReportDelivery)
            .values(report_id=report.id, client_id=report.client_id, recipient=address)
            .on_conflict_do_nothing(constraint="uq_client_report_deliveries_once")
        )
    if not addresses:
        report.status = ReportStatus.SENT
    session.flush()
    return len(addresses)
