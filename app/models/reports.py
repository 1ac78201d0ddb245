"""Client service reports: the branding they carry, per-client schedules, the stored reports,
their e-mail deliveries, and the batches that generate them.

- `ReportBranding` is one row (id 1) an Admin edits: the MSSP's name, logo, colours, footer.
- `ReportSchedule` is a client's opt-in: recipients, monthly or quarterly, the day of the
  month, and whether reports wait as drafts for the account manager's review.
- `ClientReport` is one report of one client and period (unique): the figures it showed
  (JSON, so it is drawn again exactly after the data changed), the file (PDF, or the HTML
  document when no PDF engine is installed), the account manager's notes, its status.
- `ClientReportDelivery` is one e-mail of one report to one address (unique): what makes
  "sent once per period and recipient" hold, with attempts and the last error.
- `ReportBatch` is one run generating the reports of a period, with its progress.

Reports are client history: a client with reports cannot be deleted (RESTRICT); a
delivery goes with its report.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.extensions import db
from app.models.mixins import ChangedByMixin, TimestampMixin, UUIDPrimaryKeyMixin, VersionedMixin
from app.models.types import non_negative, str_enum

if TYPE_CHECKING:
    from app.models.clients import Client
    from app.models.users import MsspUser


class ReportFrequency(enum.Enum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class ReportStatus(enum.Enum):
    DRAFT = "draft"  # waits for the account manager's notes and approval
    APPROVED = "approved"  # its e-mails are due
    SENT = "sent"  # every recipient got it (or nobody was to get it)


class DeliveryStatus(enum.Enum):
    PENDING = "pending"
    SENDING = "sending"  # handed to SMTP; a process that died here is never retried on its own
    SENT = "sent"
    FAILED = "failed"  # retried by later runs for MSSP_REPORT_SEND_RETRY_HOURS


class BatchStatus(enum.Enum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


#: A colour as the branding form accepts it.
COLOUR_CHECK = "~ '^#[0-9a-fA-F]{6}$'"


class ReportBranding(ChangedByMixin, db.Model):
    __tablename__ = "report_branding"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(f"primary_colour {COLOUR_CHECK}", name="primary_colour_hex"),
        CheckConstraint(f"accent_colour {COLOUR_CHECK}", name="accent_colour_hex"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    company_name: Mapped[str] = mapped_column(String(200), nullable=False)
    primary_colour: Mapped[str] = mapped_column(String(7), nullable=False, default="#1F3A5F")
    accent_colour: Mapped[str] = mapped_column(String(7), nullable=False, default="#2A9D8F")
    footer: Mapped[str | None] = mapped_column(Text)
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_content_type: Mapped[str | None] = mapped_column(String(50))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )


class ReportSchedule(UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, db.Model):
    __tablename__ = "report_schedules"
    __table_args__ = (CheckConstraint("day_of_month BETWEEN 1 AND 28", name="day_of_month_range"),)

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=text("true"))
    frequency: Mapped[ReportFrequency] = mapped_column(
        str_enum(ReportFrequency, "report_frequency"),
        nullable=False,
        default=ReportFrequency.MONTHLY,
        server_default=ReportFrequency.MONTHLY.value,
    )
    #: The day of the month (1-28) the report of the period that just ended is made.
    day_of_month: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default=text("1"))
    #: Client contacts' addresses.
    recipients: Mapped[list[str]] = mapped_column(
        ARRAY(String(320)), nullable=False, default=list, server_default=text("'{}'")
    )
    include_account_manager: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true")
    )
    review_required: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )

    client: Mapped[Client] = relationship()

    def __str__(self) -> str:
        return f"{self.frequency.value} report of {self.client}"


class ClientReport(UUIDPrimaryKeyMixin, db.Model):
    __tablename__ = "client_reports"
    __table_args__ = (UniqueConstraint("client_id", "period_key", name="uq_client_reports_period"),)

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    #: `2026-10`, `2026-Q4` or `2026-10-01..2026-10-15` (ReportPeriod.key).
    period_key: Mapped[str] = mapped_column(String(30), nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status"),
        nullable=False,
        default=ReportStatus.DRAFT,
        server_default=ReportStatus.DRAFT.value,
        index=True,
    )
    #: What the report showed (app.services.reports.content): it is drawn again from this.
    figures: Mapped[dict[str, Any]] = deferred(mapped_column(JSONB, nullable=False))
    notes: Mapped[str | None] = mapped_column(Text)
    file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    file_type: Mapped[str | None] = mapped_column(String(50))
    generated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))

    client: Mapped[Client] = relationship()
    generated_by: Mapped[MsspUser | None] = relationship(foreign_keys=[generated_by_id])
    approved_by: Mapped[MsspUser | None] = relationship(foreign_keys=[approved_by_id])
    deliveries: Mapped[list[ClientReportDelivery]] = relationship(
        back_populates="report",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ClientReportDelivery.recipient",
    )

    def __str__(self) -> str:
        return f"{self.client} {self.period_key}"


class ClientReportDelivery(UUIDPrimaryKeyMixin, db.Model):
    __tablename__ = "client_report_deliveries"
    __table_args__ = (
        UniqueConstraint("report_id", "recipient", name="uq_client_report_deliveries_once"),
        non_negative("attempts"),
    )

    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client_reports.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: The report's client again: the row filter of account managers reads it.
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), nullable=False, index=True
    )
    recipient: Mapped[str] = mapped_column(String(320), nullable=False)
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "report_delivery_status"),
        nullable=False,
        default=DeliveryStatus.PENDING,
        server_default=DeliveryStatus.PENDING.value,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    report: Mapped[ClientReport] = relationship(back_populates="deliveries")
    client: Mapped[Client] = relationship()

    def __str__(self) -> str:
        return f"{self.report} to {self.recipient} ({self.status.value})"


class ReportBatch(UUIDPrimaryKeyMixin, db.Model):
    __tablename__ = "report_batches"
    __table_args__ = (non_negative("total"), non_negative("done"), non_negative("failed"))

    period_key: Mapped[str] = mapped_column(String(30), nullable=False)
    #: "schedule" or "cli".
    trigger: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[BatchStatus] = mapped_column(
        str_enum(BatchStatus, "report_batch_status"),
        nullable=False,
        default=BatchStatus.RUNNING,
        server_default=BatchStatus.RUNNING.value,
    )
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    failed: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), index=True
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    detail: Mapped[str | None] = mapped_column(Text)

    def __str__(self) -> str:
        return f"reports {self.period_key} ({self.done}/{self.total})"
