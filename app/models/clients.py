"""The Client aggregate: the MSSP's customers and their lifecycle."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Date, Index, Integer, String, Text, func, text
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
    from app.models.contracts import Contract
    from app.models.hardware import ClientHardwareAssignment
    from app.models.licensing import ClientLicense
    from app.models.team import ClientTeamAssignment


class ClientStatus(enum.Enum):
    PROSPECT = "prospect"
    ACTIVE = "active"
    INACTIVE = "inactive"
    ARCHIVED = "archived"


class ClientSource(enum.Enum):
    """How the client found us (or we found them)."""

    REFERRAL = "referral"
    WEBSITE = "website"
    INBOUND_CALL = "inbound_call"
    OUTBOUND_CAMPAIGN = "outbound_campaign"
    EVENT = "event"
    PARTNER = "partner"
    TENDER = "tender"
    MARKETPLACE = "marketplace"
    OTHER = "other"


class CompanySize(enum.Enum):
    """Head-count bands (EU SME definition, plus enterprise)."""

    MICRO = "micro"  # 1-9
    SMALL = "small"  # 10-49
    MEDIUM = "medium"  # 50-249
    LARGE = "large"  # 250-999
    ENTERPRISE = "enterprise"  # 1000+


class Client(
    UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, CustomFieldDataMixin, db.Model
):
    __tablename__ = "clients"
    __table_args__ = (
        currency_check(),
        non_negative("estimated_deal_value"),
        CheckConstraint("lead_score BETWEEN 0 AND 100", name="lead_score_range"),
        custom_field_data_index("clients"),
        # Unique ignoring case and surrounding spaces (migration 0021; app.services.client_names).
        Index(
            "uq_clients_company_name_ci", func.lower(func.btrim(text("company_name"))), unique=True
        ),
        # Lists sort text ignoring case (app.web.datamodel): the client list's default order.
        Index("ix_clients_company_name_lower", func.lower(text("company_name"))),
    )

    company_name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str | None] = mapped_column(Text)
    industry: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[ClientStatus] = mapped_column(
        str_enum(ClientStatus, "client_status"),
        nullable=False, default=ClientStatus.PROSPECT, server_default=ClientStatus.PROSPECT.value,
        index=True,
    )
    client_source: Mapped[ClientSource | None] = mapped_column(
        str_enum(ClientSource, "client_source"), index=True
    )
    notes: Mapped[str | None] = mapped_column(Text)
    lead_score: Mapped[int | None] = mapped_column(Integer)
    estimated_deal_value: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = currency_column()
    company_size: Mapped[CompanySize | None] = mapped_column(str_enum(CompanySize, "company_size"))
    first_interaction_date: Mapped[date | None] = mapped_column(Date, index=True)
    custom_client_specific_json_data: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default=text("'{}'::jsonb")
    )

    # passive_deletes="all": the ORM never nulls or loads these children on delete;
    # the database's RESTRICT refuses the delete instead (archive the client).
    contracts: Mapped[list[Contract]] = relationship(
        back_populates="client", passive_deletes="all", order_by="Contract.start_date"
    )
    licenses: Mapped[list[ClientLicense]] = relationship(
        back_populates="client", passive_deletes="all"
    )
    hardware_assignments: Mapped[list[ClientHardwareAssignment]] = relationship(
        back_populates="client", passive_deletes="all"
    )
    # Link rows only: they go with the client (ON DELETE CASCADE).
    team_assignments: Mapped[list[ClientTeamAssignment]] = relationship(
        back_populates="client", cascade="all, delete-orphan", passive_deletes=True
    )

    def __str__(self) -> str:
        return self.company_name
