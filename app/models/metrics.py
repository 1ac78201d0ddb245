"""Dashboard figures: SLA results, ticket summaries, service time series, periodic snapshots.

These are history: the client (and service) they describe cannot be deleted
under them (RESTRICT); optional links to a contract or scope fall back to NULL.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column, relationship

from app.extensions import db
from app.models.mixins import ChangedByMixin, TimestampMixin, UUIDPrimaryKeyMixin, VersionedMixin
from app.models.references import TRIGGER_REFERENCES
from app.models.types import (
    Money,
    currency_check,
    currency_column,
    dates_ordered,
    str_enum,
)

if TYPE_CHECKING:
    from app.models.catalog import Service
    from app.models.clients import Client
    from app.models.contracts import Contract, ServiceScope
    from app.models.integrations import ExternalDataSource


class SlaUnit(enum.Enum):
    PERCENT = "percent"
    MINUTES = "minutes"
    HOURS = "hours"
    COUNT = "count"


class TicketSource(enum.Enum):
    MANUAL = "manual"
    JIRA = "jira"
    SERVICENOW = "servicenow"
    EMAIL = "email"
    OTHER = "other"


class TicketStatus(enum.Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CLIENT = "waiting_on_client"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class TicketPriority(enum.Enum):
    CRITICAL = "critical"  # P1
    HIGH = "high"  # P2
    MEDIUM = "medium"  # P3
    LOW = "low"  # P4


class SLAMetric(UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, db.Model):
    """One SLA measure for one client over one period: target against actual."""

    __tablename__ = "sla_metrics"
    __table_args__ = (dates_ordered("period_start", "period_end"),)

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    contract_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="SET NULL"), index=True
    )
    service_scope_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("service_scopes.id", ondelete="SET NULL"), index=True
    )
    metric_name: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    period_start: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    target_value: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    actual_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    unit: Mapped[SlaUnit] = mapped_column(str_enum(SlaUnit, "sla_unit"), nullable=False)
    is_breached: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false"), index=True
    )

    client: Mapped[Client] = relationship()
    contract: Mapped[Contract | None] = relationship()
    service_scope: Mapped[ServiceScope | None] = relationship()

    def __str__(self) -> str:
        return f"{self.metric_name} {self.period_start:%Y-%m} ({self.client})"


class TicketSummary(UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, db.Model):
    """A ticket as synced from a ticketing system (or typed in), reduced to what dashboards need.

    `opened_at` is the ticket's own creation time; `created_at` is when we stored it.
    A synced ticket belongs to the data source it came from: re-syncing upserts on
    (source, data_source_id, external_key), so two Jira sites that both have an ACME
    project keep their ACME-1 apart. A ticket typed in has no data source (NULL is one
    value here: NULLS NOT DISTINCT keeps manual keys unique).
    A status or priority no map knew is stored under its fallback (`open`, `medium`),
    the source's own word kept in `unmapped_status` / `unmapped_priority`.
    """

    __tablename__ = "ticket_summaries"
    __table_args__ = (
        UniqueConstraint(
            "source", "data_source_id", "external_key", postgresql_nulls_not_distinct=True
        ),
        dates_ordered("opened_at", "resolved_at", name="resolved_after_opened"),
        dates_ordered("opened_at", "first_response_at", name="responded_after_opened"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    source: Mapped[TicketSource] = mapped_column(
        str_enum(TicketSource, "ticket_source"),
        nullable=False, default=TicketSource.MANUAL, server_default=TicketSource.MANUAL.value,
    )
    #: The source the ticket was synced from (NULL: typed in, or synced before sources were told apart).
    data_source_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("external_data_sources.id", ondelete="RESTRICT"), index=True
    )
    external_key: Mapped[str] = mapped_column(String(100), nullable=False)
    summary: Mapped[str] = mapped_column(String(500), nullable=False)
    status: Mapped[TicketStatus] = mapped_column(
        str_enum(TicketStatus, "ticket_status"),
        nullable=False, default=TicketStatus.OPEN, server_default=TicketStatus.OPEN.value, index=True,
    )
    priority: Mapped[TicketPriority] = mapped_column(
        str_enum(TicketPriority, "ticket_priority"),
        nullable=False, default=TicketPriority.MEDIUM, server_default=TicketPriority.MEDIUM.value,
        index=True,
    )
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    response_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_sla_breached: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false"), index=True
    )
    #: The source's status / priority when no map knew it (the column then holds the fallback).
    unmapped_status: Mapped[str | None] = mapped_column(String(100))
    unmapped_priority: Mapped[str | None] = mapped_column(String(100))

    client: Mapped[Client] = relationship()
    data_source: Mapped[ExternalDataSource | None] = relationship()

    def __str__(self) -> str:
        return f"{self.external_key}: {self.summary}"


class ServicePerformanceMetric(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """One point of a (client, service, metric, labels) time series, e.g. EDR endpoints online.

    A series is its metric name AND its labels (Prometheus's model): `detections{severity="high"}`
    and `detections{severity="low"}` are two series of one metric. Machine-written in bulk: no
    version or author columns. Re-ingesting a point upserts on the unique key instead of
    duplicating it.
    """

    __tablename__ = "service_performance_metrics"
    __table_args__ = (
        # `labels` last: the key's first four columns still serve time-range reads of a metric.
        UniqueConstraint(
            "client_id", "service_id", "metric_name", "timestamp", "labels",
            name="uq_service_performance_metrics_point",
        ),
    )

    # No FOREIGN KEY: its per-row check cost 35-40 % of a bulk insert. Statement-level triggers
    # (migration 0012) give the same guarantees, RESTRICT included, for every writer; `info`
    # names the referenced table for the code that explains a refused delete.
    # The unique key above starts with client_id, so it serves client lookups too.
    client_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, nullable=False, info={TRIGGER_REFERENCES: "clients"}
    )
    service_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, nullable=False, index=True, info={TRIGGER_REFERENCES: "services"}
    )
    metric_name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: The series' labels as the source named them (e.g. {"severity": "high"}); {} for none.
    labels: Mapped[dict[str, str]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default=text("'{}'::jsonb")
    )
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    # A measurement, not money: double precision is right here.
    value: Mapped[float] = mapped_column(Double, nullable=False)
    unit: Mapped[str | None] = mapped_column(String(30))

    client: Mapped[Client] = relationship(
        primaryjoin="foreign(ServicePerformanceMetric.client_id) == Client.id"
    )
    service: Mapped[Service] = relationship(
        primaryjoin="foreign(ServicePerformanceMetric.service_id) == Service.id"
    )

    def __str__(self) -> str:
        return f"{self.metric_name}={self.value:g} at {self.timestamp:%Y-%m-%d %H:%M}"


def _count() -> MappedColumn[int]:
    return mapped_column(Integer, nullable=False, default=0, server_default=text("0"))


def _amount() -> MappedColumn[Decimal]:
    return mapped_column(Money, nullable=False, default=Decimal("0"), server_default=text("0"))


class ClientSubscriptionSnapshot(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """Figures frozen on `snapshot_date` for trends: one client's, or the whole MSSP's (client NULL).

    One row per date, client (or none) and currency: amounts in different
    currencies are never added together.
    """

    __tablename__ = "client_subscription_snapshots"
    __table_args__ = (
        # NULLS NOT DISTINCT (PostgreSQL 15+): the global row (client NULL) is unique too.
        UniqueConstraint(
            "snapshot_date", "client_id", "currency",
            name="uq_client_subscription_snapshots_date_client_currency",
            postgresql_nulls_not_distinct=True,
        ),
        currency_check(),
        CheckConstraint(
            "LEAST(active_client_count, active_contract_count, active_service_count, "
            "license_seats_assigned, hardware_assets_deployed, open_ticket_count) >= 0",
            name="counts_non_negative",
        ),
        CheckConstraint(
            "LEAST(monthly_recurring_revenue, total_contract_value, period_revenue, period_cost) >= 0",
            name="amounts_non_negative",
        ),
    )

    snapshot_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    active_client_count: Mapped[int] = _count()
    active_contract_count: Mapped[int] = _count()
    active_service_count: Mapped[int] = _count()
    license_seats_assigned: Mapped[int] = _count()
    hardware_assets_deployed: Mapped[int] = _count()
    open_ticket_count: Mapped[int] = _count()
    monthly_recurring_revenue: Mapped[Decimal] = _amount()
    total_contract_value: Mapped[Decimal] = _amount()
    #: Revenue and cost booked in the month that ends on `snapshot_date`.
    period_revenue: Mapped[Decimal] = _amount()
    period_cost: Mapped[Decimal] = _amount()
    currency: Mapped[str] = currency_column()

    client: Mapped[Client | None] = relationship()

    def __str__(self) -> str:
        return f"{self.snapshot_date} {self.client or 'all clients'} ({self.currency})"
