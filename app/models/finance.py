"""Money in and out: one row per revenue or cost, linked to what it is about."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.mixins import (
    ChangedByMixin,
    CustomFieldDataMixin,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    VersionedMixin,
)
from app.models.types import (
    Money,
    currency_check,
    currency_column,
    custom_field_data_index,
    non_negative,
    str_enum,
)

if TYPE_CHECKING:
    from app.models.clients import Client
    from app.models.contracts import Contract, ServiceScope
    from app.models.hardware import HardwareAsset
    from app.models.licensing import LicensePool
    from app.models.users import MsspUser


class TransactionType(enum.Enum):
    """The prefix says the direction; `amount` itself is never negative."""

    REVENUE_CONTRACT = "revenue_contract"
    REVENUE_ONE_OFF = "revenue_one_off"
    REVENUE_PROFESSIONAL_SERVICES = "revenue_professional_services"
    COST_LICENSE = "cost_license"
    COST_HARDWARE = "cost_hardware"
    COST_PERSONNEL = "cost_personnel"
    COST_INFRASTRUCTURE = "cost_infrastructure"
    COST_SUBCONTRACTOR = "cost_subcontractor"
    COST_OTHER = "cost_other"

    @property
    def is_revenue(self) -> bool:
        return self.value.startswith("revenue_")


class TransactionStatus(enum.Enum):
    PENDING = "pending"
    INVOICED = "invoiced"
    PAID = "paid"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"


class FinancialTransaction(
    UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, CustomFieldDataMixin, db.Model
):
    """Every link is optional but RESTRICT: deleting what a transaction is about would
    silently turn attributed money into unattributed money."""

    __tablename__ = "financial_transactions"
    __table_args__ = (
        currency_check(),
        non_negative("amount"),
        custom_field_data_index("financial_transactions"),
        # The list filtered by type and sorted by amount (with the lists' `id` tie-breaker):
        # a backward index scan that stops after one page (0.4 ms; a sort of the type's
        # 60k rows without it, 108 ms at 1M transactions).
        Index("ix_financial_transactions_type_amount", "transaction_type", "amount", "id"),
    )

    transaction_type: Mapped[TransactionType] = mapped_column(
        str_enum(TransactionType, "transaction_type"), nullable=False, index=True
    )
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    currency: Mapped[str] = currency_column()
    transaction_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    description: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[TransactionStatus] = mapped_column(
        str_enum(TransactionStatus, "transaction_status"),
        nullable=False, default=TransactionStatus.PENDING,
        server_default=TransactionStatus.PENDING.value, index=True,
    )
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    contract_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="RESTRICT"), index=True
    )
    service_scope_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("service_scopes.id", ondelete="RESTRICT"), index=True
    )
    license_pool_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("license_pools.id", ondelete="RESTRICT"), index=True
    )
    hardware_asset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("hardware_assets.id", ondelete="RESTRICT"), index=True
    )
    # The person who recorded it may leave; the money stays.
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL"), index=True
    )

    # Child side only: a client's transactions are listed by query, never loaded whole.
    client: Mapped[Client | None] = relationship()
    contract: Mapped[Contract | None] = relationship()
    service_scope: Mapped[ServiceScope | None] = relationship()
    license_pool: Mapped[LicensePool | None] = relationship()
    hardware_asset: Mapped[HardwareAsset | None] = relationship()
    recorded_by: Mapped[MsspUser | None] = relationship(foreign_keys=[recorded_by_id])

    def __str__(self) -> str:
        kind = self.transaction_type.value.replace("_", " ").capitalize()
        return f"{kind}: {self.amount:,} {self.currency} on {self.transaction_date}"
