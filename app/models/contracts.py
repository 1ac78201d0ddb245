"""The Contract aggregate: contracts, the services they scope, and the proposals behind them.

Deleting: a contract and its scopes are history once signed. The foreign keys are
RESTRICT, so nothing in SQL ever cascades them away; the ORM deletes a DRAFT
contract together with its scopes and their proposals (relationship cascades),
and the `before_delete` guards below refuse any other contract or scope.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    event,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Mapper, mapped_column, object_session, relationship

from app.errors import ValidationFailed
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
    dates_ordered,
    non_negative,
    str_enum,
)

if TYPE_CHECKING:
    from app.models.catalog import Service
    from app.models.clients import Client
    from app.models.users import MsspUser


class ContractStatus(enum.Enum):
    """A contract's place in its life; which one counts on a day: app.services.contract_counting."""

    DRAFT = "draft"
    #: Signed by the client, not started yet: becomes ACTIVE on its start date (the daily roll-over).
    SIGNED = "signed"
    ACTIVE = "active"
    EXPIRED = "expired"
    TERMINATED = "terminated"
    RENEWED = "renewed"


class ScopeUnit(enum.Enum):
    """What a scope's quantity counts (and its price is per)."""

    ENDPOINT = "endpoint"
    SERVER = "server"
    USER = "user"
    MAILBOX = "mailbox"
    NETWORK_DEVICE = "network_device"
    SITE = "site"
    CLOUD_ACCOUNT = "cloud_account"
    IP_ADDRESS = "ip_address"
    GB_PER_DAY = "gb_per_day"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"
    FIXED = "fixed"


class SafStatus(enum.Enum):
    """Service Activation Form: from paperwork to a running service."""

    NOT_STARTED = "not_started"
    SENT_TO_CLIENT = "sent_to_client"
    SIGNED = "signed"
    IN_PROVISIONING = "in_provisioning"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DEACTIVATED = "deactivated"
    CANCELLED = "cancelled"


class ProposalType(enum.Enum):
    TECHNICAL = "technical"
    FINANCIAL = "financial"


class ProposalStatus(enum.Enum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class ContractNotDeletable(ValidationFailed):
    """Only a DRAFT contract (and the scopes of one) may be deleted; others change status."""


class Contract(
    UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, CustomFieldDataMixin, db.Model
):
    __tablename__ = "contracts"
    __table_args__ = (
        currency_check(),
        non_negative("value"),
        dates_ordered("start_date", "end_date"),
        CheckConstraint("previous_contract_id <> id", name="not_its_own_renewal"),
        custom_field_data_index("contracts"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    contract_name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    start_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    end_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    renewal_date: Mapped[date | None] = mapped_column(Date, index=True)
    value: Mapped[Decimal] = mapped_column(Money, nullable=False, server_default=text("0"))
    currency: Mapped[str] = currency_column()
    status: Mapped[ContractStatus] = mapped_column(
        str_enum(ContractStatus, "contract_status"),
        nullable=False, default=ContractStatus.DRAFT, server_default=ContractStatus.DRAFT.value,
        index=True,
    )
    document_link: Mapped[str | None] = mapped_column(String(2048))
    # RESTRICT: a renewal chain is history; the older contract cannot vanish under it.
    previous_contract_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="RESTRICT"), index=True
    )

    client: Mapped[Client] = relationship(back_populates="contracts")
    previous_contract: Mapped[Contract | None] = relationship(
        back_populates="renewals", remote_side="Contract.id"
    )
    renewals: Mapped[list[Contract]] = relationship(
        back_populates="previous_contract", passive_deletes="all"
    )
    scopes: Mapped[list[ServiceScope]] = relationship(
        back_populates="contract", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.contract_name


class ServiceScope(
    UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, CustomFieldDataMixin, db.Model
):
    """One service under one contract, with its own parameters, price and activation (SAF)."""

    __tablename__ = "service_scopes"
    __table_args__ = (
        currency_check(),
        non_negative("price"),
        non_negative("quantity"),
        dates_ordered("saf_service_start_date", "saf_service_end_date", name="saf_dates_ordered"),
        custom_field_data_index("service_scopes"),
    )

    contract_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contracts.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("services.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    #: Values for the parameters of `Service.scope_definition_template`.
    scope_details: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default=text("'{}'::jsonb")
    )
    #: Price per unit and period for this client (the catalog's base price, negotiated).
    price: Mapped[Decimal] = mapped_column(Money, nullable=False, server_default=text("0"))
    currency: Mapped[str] = currency_column()
    # Numeric, not integer: some units are fractional (hours, GB/day).
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False, server_default=text("1"))
    unit: Mapped[ScopeUnit] = mapped_column(
        str_enum(ScopeUnit, "scope_unit"),
        nullable=False, default=ScopeUnit.FIXED, server_default=ScopeUnit.FIXED.value,
    )
    saf_document_link: Mapped[str | None] = mapped_column(String(2048))
    saf_service_start_date: Mapped[date | None] = mapped_column(Date, index=True)
    saf_service_end_date: Mapped[date | None] = mapped_column(Date, index=True)
    saf_status: Mapped[SafStatus] = mapped_column(
        str_enum(SafStatus, "saf_status"),
        nullable=False, default=SafStatus.NOT_STARTED, server_default=SafStatus.NOT_STARTED.value,
        index=True,
    )

    contract: Mapped[Contract] = relationship(back_populates="scopes")
    service: Mapped[Service] = relationship(back_populates="scopes")
    proposals: Mapped[list[Proposal]] = relationship(
        back_populates="service_scope", cascade="all, delete-orphan", order_by="Proposal.document_version"
    )

    def __str__(self) -> str:
        return f"{self.service} ({self.contract})"


class Proposal(
    UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, CustomFieldDataMixin, db.Model
):
    """A technical or financial proposal for one scope.

    The seed's `version` is `document_version` here: `version` is the optimistic
    lock column every edited entity carries.
    """

    __tablename__ = "proposals"
    __table_args__ = (
        currency_check(),
        non_negative("proposed_value"),
        CheckConstraint("document_version >= 1", name="document_version_positive"),
        UniqueConstraint("service_scope_id", "proposal_type", "document_version"),
        # Business rules (migration 0006): at most one ACCEPTED proposal per (scope, type).
        Index(
            "uq_proposals_one_accepted", "service_scope_id", "proposal_type", unique=True,
            postgresql_where=text("status = 'accepted'"),
        ),
        custom_field_data_index("proposals"),
    )

    service_scope_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_scopes.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    proposal_type: Mapped[ProposalType] = mapped_column(
        str_enum(ProposalType, "proposal_type"), nullable=False
    )
    document_link: Mapped[str | None] = mapped_column(String(2048))
    document_version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=1, server_default=text("1")
    )
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus, "proposal_status"),
        nullable=False, default=ProposalStatus.DRAFT, server_default=ProposalStatus.DRAFT.value,
        index=True,
    )
    proposed_value: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = currency_column()
    valid_until_date: Mapped[date | None] = mapped_column(Date, index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL"), index=True
    )

    service_scope: Mapped[ServiceScope] = relationship(back_populates="proposals")
    assignee: Mapped[MsspUser | None] = relationship(foreign_keys=[assignee_id])

    def __str__(self) -> str:
        kind = self.proposal_type.value.title()
        return f"{kind} proposal v{self.document_version} for {self.service_scope}"


def _stored_contract_status(connection: Connection, contract_id: uuid.UUID | None) -> ContractStatus | None:
    # Read from the database, in the flush's own transaction: a scope's contract may
    # not be loaded, and the row is what the DELETE is about to remove.
    if contract_id is None:
        return None
    value = connection.execute(
        select(Contract.__table__.c.status).where(Contract.__table__.c.id == contract_id)
    ).scalar_one_or_none()
    return ContractStatus(value) if value is not None else None


@event.listens_for(Contract, "before_delete")
def refuse_deleting_a_signed_contract(_mapper: Mapper, connection: Connection, contract: Contract) -> None:
    """Only a DRAFT contract may be deleted (its scopes and proposals go with it)."""
    status = _stored_contract_status(connection, contract.id)
    if status not in (None, ContractStatus.DRAFT):
        raise ContractNotDeletable(
            f"Contract {contract.contract_name!r} is {status.value}: only a draft can be deleted; "
            "terminate it instead."
        )


@event.listens_for(ServiceScope, "before_delete")
def refuse_deleting_a_signed_scope(_mapper: Mapper, connection: Connection, scope: ServiceScope) -> None:
    """A scope may be removed only from a DRAFT contract."""
    session = object_session(scope)
    if session is not None and any(
        isinstance(obj, Contract) and obj.id == scope.contract_id for obj in session.deleted
    ):
        return  # its contract is being deleted too: the contract's guard decides, with its own message
    status = _stored_contract_status(connection, scope.contract_id)
    if status not in (None, ContractStatus.DRAFT):
        raise ContractNotDeletable(
            f"The contract of this scope is {status.value}: scopes of a signed contract are kept; "
            "deactivate the scope instead."
        )
