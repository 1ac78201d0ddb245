"""Reconciliation: a client's entitlement against its deployment and billing, per month (derived rows).

- `UsageDaily`: the daily rollup of the metric each service names (max, sum, points).
- `ReconciliationLine`: one service scope in force in one month (or one service deployed
  without a scope): entitled, assigned seats, deployed, billed, cost.
- `ReconciliationFinding`: a gap on a line with its money value.

All three are recomputed by app.services.reconciliation and never edited; they go with
what they describe (CASCADE), so they never stand in the way of a permitted delete.
The rules are in app.services.reconciliation.rules.
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
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.mixins import UUIDPrimaryKeyMixin
from app.models.types import Money, currency_check, currency_column, str_enum

if TYPE_CHECKING:
    from app.models.catalog import Service
    from app.models.clients import Client
    from app.models.contracts import Contract, ServiceScope


class FindingKind(enum.Enum):
    OVER_DEPLOYED = "over_deployed"
    UNDER_BILLED = "under_billed"
    SEATS_ABOVE_DEPLOYED = "seats_above_deployed"
    NO_CONTRACT = "no_contract"
    NOT_RECONCILABLE = "not_reconcilable"
    OVERAGE = "overage"
    UNDER_USE = "under_use"

    @property
    def label(self) -> str:
        return FINDING_LABELS[self]


FINDING_LABELS = {
    FindingKind.OVER_DEPLOYED: "Deployed above entitled",
    FindingKind.UNDER_BILLED: "Under-billed",
    FindingKind.SEATS_ABOVE_DEPLOYED: "Seats above deployed",
    FindingKind.NO_CONTRACT: "Deployed without contract",
    FindingKind.NOT_RECONCILABLE: "Not reconcilable",
    FindingKind.OVERAGE: "Usage above allowance",
    FindingKind.UNDER_USE: "Usage below allowance",
}


def _month_check(column: str = "month") -> CheckConstraint:
    return CheckConstraint(f"extract(day FROM {column}) = 1", name=f"{column}_is_first_day")


class UsageDaily(db.Model):
    __tablename__ = "usage_daily"
    __table_args__ = (Index("ix_usage_daily_day", "day"),)

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    metric_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # Measurements, like the points they come from: double precision.
    max_value: Mapped[float] = mapped_column(Double, nullable=False)
    sum_value: Mapped[float] = mapped_column(Double, nullable=False)
    point_count: Mapped[int] = mapped_column(Integer, nullable=False)


class ReconciliationLine(UUIDPrimaryKeyMixin, db.Model):
    __tablename__ = "reconciliation_lines"
    __table_args__ = (
        _month_check(),
        currency_check(),
        Index("ix_reconciliation_lines_client_month", "client_id", "month"),
    )

    month: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), nullable=False)
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), nullable=False, index=True
    )
    contract_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    service_scope_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("service_scopes.id", ondelete="CASCADE"), index=True
    )
    currency: Mapped[str] = currency_column()
    unit: Mapped[str | None] = mapped_column(String(30))
    entitled_quantity: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    entitled_value: Mapped[Decimal] = mapped_column(Money, nullable=False)
    allowance: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    assigned_seats: Mapped[int] = mapped_column(Integer, nullable=False)
    #: None: the service names no metric (not reconcilable).
    deployed: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    billed: Mapped[Decimal] = mapped_column(Money, nullable=False)
    cost: Mapped[Decimal] = mapped_column(Money, nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)
    finding_count: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The sum of its findings' values (all in the line's currency).
    money_at_stake: Mapped[Decimal] = mapped_column(Money, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    client: Mapped[Client] = relationship()
    service: Mapped[Service] = relationship()
    contract: Mapped[Contract | None] = relationship()
    service_scope: Mapped[ServiceScope | None] = relationship()
    findings: Mapped[list[ReconciliationFinding]] = relationship(
        back_populates="line",
        passive_deletes=True,
        lazy="selectin",
        order_by="ReconciliationFinding.value.desc()",
    )

    def __str__(self) -> str:
        return f"{self.service} for {self.client}, {self.month:%b %Y}"


class ReconciliationFinding(UUIDPrimaryKeyMixin, db.Model):
    __tablename__ = "reconciliation_findings"
    __table_args__ = (
        _month_check(),
        _month_check("first_month"),
        currency_check(),
        # The MSSP-wide page: a month's findings by money at stake.
        Index("ix_reconciliation_findings_month_value", "month", "value", "id"),
        Index("ix_reconciliation_findings_client_month", "client_id", "month"),
        Index("ix_reconciliation_findings_key_month", "finding_key", "month"),
    )

    line_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reconciliation_lines.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: The same gap on the same record has the same key every month (what alerts follow).
    finding_key: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    month: Mapped[date] = mapped_column(Date, nullable=False)
    #: The first month of the unbroken run of months this finding has been found in.
    first_month: Mapped[date] = mapped_column(Date, nullable=False)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), nullable=False)
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), nullable=False, index=True
    )
    contract_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    service_scope_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("service_scopes.id", ondelete="CASCADE")
    )
    kind: Mapped[FindingKind] = mapped_column(
        str_enum(FindingKind, "finding_kind"), nullable=False, index=True
    )
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    value: Mapped[Decimal] = mapped_column(Money, nullable=False)
    currency: Mapped[str] = currency_column()
    #: Revenue owed and not billed (counted in "revenue at risk"), not a cost or a notice.
    is_revenue: Mapped[bool] = mapped_column(Boolean, nullable=False)
    detail: Mapped[str] = mapped_column(String(500), nullable=False)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    line: Mapped[ReconciliationLine] = relationship(back_populates="findings")
    client: Mapped[Client] = relationship()
    service: Mapped[Service] = relationship()
    contract: Mapped[Contract | None] = relationship()
    service_scope: Mapped[ServiceScope | None] = relationship()

    @property
    def months_running(self) -> int:
        return (self.month.year - self.first_month.year) * 12 + self.month.month - self.first_month.month + 1

    def __str__(self) -> str:
        return f"{self.kind.label}: {self.value:,.2f} {self.currency} ({self.client}, {self.month:%b %Y})"
