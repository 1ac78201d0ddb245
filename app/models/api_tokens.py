"""Personal API tokens: a person's automation calls the REST API with one of these.

Only a SHA-256 digest of the secret is stored (`token_hash`): the secret itself is shown
once, when the token is created, and cannot be recovered from the database. The secret is
256 random bits, so a fast digest is enough (a slow password hash protects low-entropy
secrets; it would only slow every API call here). `token_prefix` is the secret's first
characters, enough for a person to recognise a token in a list, never enough to use it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class ApiToken(db.Model):
    __tablename__ = "api_token"
    __table_args__ = (
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        CheckConstraint("expires_at <= created_at + interval '366 days'", name="expires_within_a_year"),
        CheckConstraint("char_length(btrim(name)) > 0", name="name_not_blank"),
        Index("ix_api_token_user_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, server_default=text("gen_random_uuid()"))
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: The secret's first characters (prefix included): recognisable, not usable.
    token_prefix: Mapped[str] = mapped_column(String(24), nullable=False)
    #: SHA-256 of the whole secret, hex.
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    read_only: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true")
    )
    #: Resource names (e.g. "Client") the token is limited to; NULL: every resource of the owner.
    resources: Mapped[list[str] | None] = mapped_column(JSONB, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_ip: Mapped[str | None] = mapped_column(INET, nullable=True)

    user = relationship("MsspUser", lazy="joined")

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"
