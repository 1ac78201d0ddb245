"""Hardware: the MSSP's devices and their custody by clients over time."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.mixins import (
    ChangedByMixin,
    CustomFieldDataMixin,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    VersionedMixin,
)
from app.models.types import custom_field_data_index, dates_ordered, str_enum

if TYPE_CHECKING:
    from app.models.clients import Client
    from app.models.contracts import ServiceScope


class AssetType(enum.Enum):
    FIREWALL = "firewall"
    ROUTER = "router"
    SWITCH = "switch"
    WIRELESS_ACCESS_POINT = "wireless_access_point"
    NETWORK_SENSOR = "network_sensor"  # NDR/IDS probe on a SPAN port
    LOG_COLLECTOR = "log_collector"  # SIEM forwarder appliance
    SERVER = "server"
    HSM = "hsm"
    WORKSTATION = "workstation"
    LAPTOP = "laptop"
    OTHER = "other"


class AssetStatus(enum.Enum):
    IN_STOCK = "in_stock"
    IN_USE = "in_use"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"


class HardwareAssignmentStatus(enum.Enum):
    ACTIVE = "active"
    RETURNED = "returned"
    LOST = "lost"
    DAMAGED = "damaged"


class HardwareAsset(
    UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, CustomFieldDataMixin, db.Model
):
    __tablename__ = "hardware_assets"
    __table_args__ = (
        custom_field_data_index("hardware_assets"),
        # Lists sort text ignoring case (app.web.datamodel): the asset list's default order.
        Index("ix_hardware_assets_asset_tag_lower", func.lower(text("asset_tag"))),
    )

    asset_tag: Mapped[str] = mapped_column(String(50), nullable=False, unique=True)
    serial_number: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    device_name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    manufacturer: Mapped[str | None] = mapped_column(String(100), index=True)
    model: Mapped[str | None] = mapped_column(String(100))
    asset_type: Mapped[AssetType] = mapped_column(
        str_enum(AssetType, "asset_type"), nullable=False, index=True
    )
    status: Mapped[AssetStatus] = mapped_column(
        str_enum(AssetStatus, "asset_status"),
        nullable=False, default=AssetStatus.IN_STOCK, server_default=AssetStatus.IN_STOCK.value,
        index=True,
    )

    assignments: Mapped[list[ClientHardwareAssignment]] = relationship(
        back_populates="hardware_asset", passive_deletes="all",
        order_by="ClientHardwareAssignment.assignment_date",
    )
    #: The open assignment (the asset is with that client), if any: at most one (a rule and a
    #: partial unique index). Read-only; lists load it with the client in the same query.
    current_assignment: Mapped[ClientHardwareAssignment | None] = relationship(
        primaryjoin="and_(HardwareAsset.id == ClientHardwareAssignment.hardware_asset_id, "
        "ClientHardwareAssignment.return_date.is_(None))",
        viewonly=True, uselist=False,
    )

    def __str__(self) -> str:
        return f"{self.asset_tag} {self.device_name}"


class ClientHardwareAssignment(
    UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, CustomFieldDataMixin, db.Model
):
    """One asset with one client from `assignment_date` until `return_date` (open while NULL)."""

    __tablename__ = "client_hardware_assignments"
    __table_args__ = (
        dates_ordered("assignment_date", "return_date"),
        # An asset is in one place at a time: at most one open assignment per asset.
        Index(
            "uq_client_hardware_assignments_open_asset",
            "hardware_asset_id",
            unique=True,
            postgresql_where=text("return_date IS NULL"),
        ),
        custom_field_data_index("client_hardware_assignments"),
    )

    hardware_asset_id: Mapped[uuid.UUID] = mapped_column(
        # Named by hand: the conventional name is one character over PostgreSQL's 63.
        ForeignKey("hardware_assets.id", ondelete="RESTRICT", name="fk_client_hardware_assignments_asset"),
        nullable=False, index=True,
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    service_scope_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("service_scopes.id", ondelete="SET NULL"), index=True
    )
    assignment_date: Mapped[date] = mapped_column(
        Date, nullable=False, server_default=text("CURRENT_DATE"), index=True
    )
    return_date: Mapped[date | None] = mapped_column(Date, index=True)
    # Alerts (migration 0008): an open assignment past this date raises a hardware_overdue alert.
    expected_return_date: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[HardwareAssignmentStatus] = mapped_column(
        str_enum(HardwareAssignmentStatus, "hardware_assignment_status"),
        nullable=False, default=HardwareAssignmentStatus.ACTIVE,
        server_default=HardwareAssignmentStatus.ACTIVE.value, index=True,
    )

    hardware_asset: Mapped[HardwareAsset] = relationship(back_populates="assignments")
    client: Mapped[Client] = relationship(back_populates="hardware_assignments")
    service_scope: Mapped[ServiceScope | None] = relationship()

    def __str__(self) -> str:
        return f"{self.hardware_asset} at {self.client}"
