"""Licensing: the MSSP's license pools and the seats assigned from them to clients.

That the seats assigned from a pool never exceed `total_seats` is a rule across
rows; the seat allocation service enforces it under a row lock on the pool.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, func, text
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
    from app.models.catalog import Service
    from app.models.clients import Client


class LicenseType(enum.Enum):
    SUBSCRIPTION = "subscription"
    TERM = "term"
    PERPETUAL = "perpetual"
    CONSUMPTION = "consumption"
    TRIAL = "trial"
    NFR = "nfr"  # not for resale: the vendor's partner licenses


class ClientLicenseStatus(enum.Enum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


class LicensePool(
    UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, CustomFieldDataMixin, db.Model
):
    __tablename__ = "license_pools"
    __table_args__ = (
        currency_check(),
        non_negative("total_seats"),
        non_negative("cost_per_seat"),
        custom_field_data_index("license_pools"),
        # Lists sort text ignoring case (app.web.datamodel): the pool list's default order.
        Index("ix_license_pools_vendor_lower", func.lower(text("vendor"))),
    )

    product_name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    vendor: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    license_type: Mapped[LicenseType] = mapped_column(
        str_enum(LicenseType, "license_type"), nullable=False, index=True
    )
    total_seats: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    expiry_date: Mapped[date | None] = mapped_column(Date, index=True)
    cost_per_seat: Mapped[Decimal] = mapped_column(Money, nullable=False, server_default=text("0"))
    currency: Mapped[str] = currency_column()
    # A pool no longer bought is retired, not deleted: its assignments are history.
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true"), index=True
    )
    #: Seats held by the pool's pending, active and suspended assignments: kept by the seat
    #: rules (`app.services.licensing`) on every flush, so the dashboards read it instead of
    #: summing the assignments. Not editable.
    assigned_seats: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))

    #: The catalog service whose seats this pool delivers (the reconciliation counts a client's
    #: seats per service); optional.
    service_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("services.id", ondelete="RESTRICT"), index=True
    )

    service: Mapped[Service | None] = relationship()
    assignments: Mapped[list[ClientLicense]] = relationship(
        back_populates="license_pool", passive_deletes="all"
    )

    def __str__(self) -> str:
        return f"{self.vendor} {self.product_name}"


class ClientLicense(
    UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, CustomFieldDataMixin, db.Model
):
    """Seats from one pool assigned to one client."""

    __tablename__ = "client_licenses"
    __table_args__ = (
        non_negative("assigned_seats"),
        custom_field_data_index("client_licenses"),
    )

    license_pool_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("license_pools.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    assigned_seats: Mapped[int] = mapped_column(Integer, nullable=False)
    assignment_date: Mapped[date] = mapped_column(
        Date, nullable=False, server_default=text("CURRENT_DATE"), index=True
    )
    status: Mapped[ClientLicenseStatus] = mapped_column(
        str_enum(ClientLicenseStatus, "client_license_status"),
        nullable=False,
        default=ClientLicenseStatus.ACTIVE,
        server_default=ClientLicenseStatus.ACTIVE.value,
        index=True,
    )

    license_pool: Mapped[LicensePool] = relationship(back_populates="assignments")
    client: Mapped[Client] = relationship(back_populates="licenses")

    def __str__(self) -> str:
        return f"{self.assigned_seats} × {self.license_pool} for {self.client}"
