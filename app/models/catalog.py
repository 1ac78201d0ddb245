"""The service catalog: what the MSSP sells, and how each service's scope is described."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, CheckConstraint, Numeric, String, Text, text
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


class MetricAggregate(enum.Enum):
    """How a month's metric points become one figure for the reconciliation."""

    MAX = "max"
    AVG = "avg"


class Service(
    UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, CustomFieldDataMixin, db.Model
):
    __tablename__ = "services"
    __table_args__ = (
        currency_check(),
        non_negative("base_price"),
        CheckConstraint(
            "reconciliation_tolerance_percent BETWEEN 0 AND 100", name="reconciliation_tolerance_range"
        ),
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

    # Reconciliation (app.services.reconciliation): what measures a client's deployment.
    #: The metric (`service_performance_metrics.metric_name`) counting what is deployed, e.g.
    #: "endpoints_reporting"; None: this service's scopes cannot be reconciled.
    deployment_metric_name: Mapped[str | None] = mapped_column(String(100))
    #: The month's maximum or average of that metric.
    deployment_aggregate: Mapped[MetricAggregate] = mapped_column(
        str_enum(MetricAggregate, "metric_aggregate"),
        nullable=False, default=MetricAggregate.MAX, server_default=MetricAggregate.MAX.value,
    )
    #: A gap of up to this share (%) of the reference is not a finding.
    reconciliation_tolerance_percent: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), nullable=False, default=Decimal("0"), server_default=text("0")
    )
    #: Volume-priced services (GB/day, events per second, log sources): the scope-template
    #: parameter holding each scope's allowance; the metric is then its usage.
    usage_allowance_parameter: Mapped[str | None] = mapped_column(String(63))

    scopes: Mapped[list[ServiceScope]] = relationship(back_populates="service", passive_deletes="all")

    def __str__(self) -> str:
        return self.name
