"""The seed's User: Flask-AppBuilder's `ab_user`, extended.

FAB keeps its integer primary key (its views, JWTs and role tables rely on it).
The seed's fields map as follows: `is_active` is FAB's `active` column (FAB reads
it through its `is_active` property); `username` is kept equal to `email`,
because people log in with their email address.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Integer,
    SmallInteger,
    String,
    Uuid,
    event,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.mixins import CustomFieldDataMixin
from app.models.types import custom_field_data_index, str_enum


class AuthProvider(enum.Enum):
    LOCAL = "local"
    LDAP = "ldap"
    #: Created or linked by a single sign-on (app.services.accounts.sso); no usable password.
    OIDC = "oidc"


class MsspUser(CustomFieldDataMixin, User):
    __tablename__ = "ab_user"
    # FAB's User declares extend_existing; keep it alongside our index.
    __table_args__ = (custom_field_data_index("ab_user"), {"extend_existing": True})

    failed_login_attempts: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default=text("0")
    )
    is_locked: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_password_change_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    auth_provider: Mapped[AuthProvider] = mapped_column(
        str_enum(AuthProvider, "auth_provider"),
        nullable=False,
        default=AuthProvider.LOCAL,
        server_default=AuthProvider.LOCAL.value,
    )
    #: The OpenID provider's subject (`sub`) of a single sign-on account: its stable identity.
    oidc_subject: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    #: The IANA time zone screens show and read times in (app.services.accounts.time_zones).
    time_zone: Mapped[str] = mapped_column(
        String(64), nullable=False, default="UTC", server_default=text("'UTC'")
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __str__(self) -> str:
        return self.full_name or self.email


@event.listens_for(MsspUser, "before_insert")
@event.listens_for(MsspUser, "before_update")
def keep_username_equal_to_email(_mapper, _connection, user: MsspUser) -> None:
    """Login is by email; FAB's username mirrors it on every path that saves a user."""
    if user.email:
        user.email = user.email.strip().lower()
        user.username = user.email


class SecurityVersion(db.Model):
    """The permission cache's version token (app.security.permission_cache): one row.

    Statement triggers on the role, permission and membership tables (migration 0014)
    give it a fresh random UUID on every change, in the changing transaction.
    """

    __tablename__ = "security_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    version: Mapped[uuid.UUID] = mapped_column(
        Uuid, nullable=False, server_default=text("gen_random_uuid()")
    )
