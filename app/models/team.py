"""Who at the MSSP looks after which client, in which role."""

from __future__ import annotations

import enum
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.mixins import ChangedByMixin, TimestampMixin, UUIDPrimaryKeyMixin
from app.models.types import str_enum

if TYPE_CHECKING:
    from app.models.clients import Client
    from app.models.users import MsspUser


class AssignmentRole(enum.Enum):
    ACCOUNT_MANAGER = "account_manager"
    SERVICE_DELIVERY_MANAGER = "service_delivery_manager"
    LEAD_ENGINEER = "lead_engineer"
    ENGINEER = "engineer"
    SOC_ANALYST = "soc_analyst"
    PROJECT_MANAGER = "project_manager"


class ClientTeamAssignment(UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, db.Model):
    """A link row (no history value): it goes with its user or its client (CASCADE)."""

    __tablename__ = "client_team_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "client_id", "assignment_role"),
        # Business rules (migration 0006): one holder per client of each lead role;
        # kept in sync with app.services.team.SINGLE_HOLDER_ROLES.
        Index(
            "uq_client_team_assignments_single_holder", "client_id", "assignment_role", unique=True,
            postgresql_where=text(
                "assignment_role IN ('account_manager', 'service_delivery_manager', 'lead_engineer')"
            ),
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), nullable=False, index=True
    )
    assignment_role: Mapped[AssignmentRole] = mapped_column(
        str_enum(AssignmentRole, "assignment_role"), nullable=False, index=True
    )

    user: Mapped[MsspUser] = relationship(foreign_keys=[user_id])
    client: Mapped[Client] = relationship(back_populates="team_assignments")

    def __str__(self) -> str:
        return f"{self.user} — {self.assignment_role.value.replace('_', ' ')} for {self.client}"
