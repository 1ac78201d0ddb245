"""The service catalog: what the MSSP sells, and how each service's scope is described."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
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
    from app.models.contracts import ServiceScope


class ServiceCategory(enum.Enum):
    MDR = "mdr"
    SOC = "soc"
    SIEM = "siem"
    EDR = "edr"
    NDR = "ndr"
    VULNERABILITY_MANAGEMENT = "vulnerability_management"
    PENETRATION_TESTING = "penetration_testing"
    EMAIL_SECURITY = "email_security"
    IDENTITY_ACCESS = "identity_access"
    CLOUD_SECURITY = "cloud_security"
    FIREWALL_MANAGEMENT = "firewall_management"
    INCIDENT_RESPONSE = "incident_response"
    COMPLIANCE = "compliance"
    SECURITY_AWARENESS = "security_awareness"
    CONSULTING = "consulting"


class DeliveryModel(enum.Enum):
    FULLY_MANAGED = "fully_managed"
    CO_MANAGED = "co_managed"
    PROFESSIONAL_SERVICES = "professional_services"
    ON_SITE = "on_site"
    SELF_SERVICE = "self_service"


class Service(
    UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, CustomFieldDataMixin, db.Model
):
    __tablename__ = "services"
    __table_args__ = (
        currency_check(),
        non_negative("base_price"),
        custom_field_data_index("services"),
    )

    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[ServiceCategory] = mapped_column(
        str_enum(ServiceCategory, "service_category"), nullable=False, index=True
    )
    delivery_model: Mapped[DeliveryModel] = mapped_column(
        str_enum(DeliveryModel, "delivery_model"), nullable=False
    )
    base_price: Mapped[Decimal] = mapped_column(Money, nullable=False, server_default=text("0"))
    currency: Mapped[str] = currency_column()
    # Retired services stay for the contracts that reference them.
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true"), index=True
    )
    #: The parameters a ServiceScope of this service fills in (`scope_details`).
    scope_definition_template: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default=text("'{}'::jsonb")
    )

    scopes: Mapped[list[ServiceScope]] = relationship(back_populates="service", passive_deletes="all")

    def __str__(self) -> str:
        return self.name
