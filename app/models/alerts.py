"""Alerts: what fired (once per record, kind, occurrence and level), who got it, mutes, settings, digests.

- `Alert` is one firing. Its unique key `(kind, record_id, occurrence, level)` is what
  makes the daily evaluation idempotent: a second run, a late run or a second scheduler
  inserts with ON CONFLICT DO NOTHING and fires nothing twice. `occurrence` is the date
  a lead time counts down to (ISO) for date kinds, or `episode-N` for condition kinds
  (a pool above its threshold, a failing query), so that a moved date or a condition
  that clears and comes back fires afresh.
- `AlertRecipient` is one person's copy: read or not, and the e-mail digest it went in.
- `AlertMute` is a person's "not this kind for me"; `AlertSetting` an Admin's lead times
  (or thresholds) for one kind; kinds without a row use the defaults in code.
- `AlertEmailDigest` is one e-mail per person per day, with its attempts and last error.

Alerts are notifications, not business history: they go with their person (CASCADE),
and `record_id` points at any table, so it has no foreign key.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.mixins import ChangedByMixin, UUIDPrimaryKeyMixin
from app.models.types import non_negative, str_enum


class AlertKind(enum.Enum):
    CONTRACT_RENEWAL = "contract_renewal"
    CONTRACT_END = "contract_end"
    LICENSE_POOL_EXPIRY = "license_pool_expiry"
    CLIENT_LICENSE_EXPIRY = "client_license_expiry"
    LICENSE_POOL_UTILISATION = "license_pool_utilisation"
    SLA_METRIC_BREACH = "sla_metric_breach"
    TICKET_SLA_BREACH = "ticket_sla_breach"
    DATA_SOURCE_FAILING = "data_source_failing"
    HARDWARE_OVERDUE = "hardware_overdue"
    RECONCILIATION_FINDING = "reconciliation_finding"
    RECONCILIATION_PERSISTS = "reconciliation_persists"


class DigestStatus(enum.Enum):
    PENDING = "pending"  # claimed by a run, not sent yet
    SENT = "sent"
    FAILED = "failed"  # every attempt failed; later runs retry it for a few days


class Alert(UUIDPrimaryKeyMixin, db.Model):
    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("kind", "record_id", "occurrence", "level", name="uq_alerts_once"),
        # The open alerts of a kind: what each run checks for "the record changed".
        Index("ix_alerts_kind_open", "kind", postgresql_where=text("resolved_at IS NULL")),
    )

    kind: Mapped[AlertKind] = mapped_column(str_enum(AlertKind, "alert_kind"), nullable=False)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    #: The due date (ISO) a lead time counts down to, or "episode-N" for a condition.
    occurrence: Mapped[str] = mapped_column(String(40), nullable=False)
    #: Lead time in days, threshold in percent, or failed runs in a row, by kind.
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    # SET NULL: a client that can be deleted leaves its alerts readable.
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), index=True
    )
    due_date: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    detail: Mapped[str | None] = mapped_column(Text)
    fired_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), index=True
    )
    #: Set when the record changed (renewed, extended, back under its threshold...).
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(String(200))

    recipients: Mapped[list[AlertRecipient]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", passive_deletes=True
    )

    def __str__(self) -> str:
        return self.title


class AlertRecipient(UUIDPrimaryKeyMixin, db.Model):
    """One person's copy of an alert."""

    __tablename__ = "alert_recipients"
    __table_args__ = (
        UniqueConstraint("alert_id", "user_id"),
        # The bell: a person's unread alerts.
        Index("ix_alert_recipients_unread", "user_id", postgresql_where=text("read_at IS NULL")),
    )

    alert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    digest_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("alert_email_digests.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    alert: Mapped[Alert] = relationship(back_populates="recipients")


class AlertMute(db.Model):
    """A person does not want alerts of this kind."""

    __tablename__ = "alert_mutes"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[AlertKind] = mapped_column(str_enum(AlertKind, "alert_kind"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class AlertSetting(ChangedByMixin, db.Model):
    """An Admin's levels for one kind (lead days, thresholds or runs); defaults live in code."""

    __tablename__ = "alert_settings"
    __table_args__ = (
        CheckConstraint("cardinality(levels) BETWEEN 1 AND 10", name="levels_count"),
        CheckConstraint("0 <= ALL(levels)", name="levels_non_negative"),
    )

    kind: Mapped[AlertKind] = mapped_column(str_enum(AlertKind, "alert_kind"), primary_key=True)
    levels: Mapped[list[int]] = mapped_column(ARRAY(Integer), nullable=False)
    enabled: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true")
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )


class AlertEmailDigest(UUIDPrimaryKeyMixin, db.Model):
    """The one alert e-mail of one person for one day."""

    __tablename__ = "alert_email_digests"
    __table_args__ = (
        UniqueConstraint("user_id", "digest_date"),
        non_negative("attempts"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    digest_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[DigestStatus] = mapped_column(
        str_enum(DigestStatus, "alert_digest_status"),
        nullable=False, default=DigestStatus.PENDING, server_default=DigestStatus.PENDING.value,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    def __str__(self) -> str:
        return f"alert digest of {self.digest_date} ({self.status.value})"
