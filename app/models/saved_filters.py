"""Saved list filters: a list's filter, quick search and sort under a name, for its owner
or shared with everyone who may read that list (app.services.saved_filters)."""

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
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class SavedFilter(db.Model):
    __tablename__ = "saved_filter"
    __table_args__ = (
        CheckConstraint("char_length(btrim(name)) > 0", name="name_not_blank"),
        UniqueConstraint("owner_id", "view_name", "name"),
        Index("ix_saved_filter_view_name", "view_name"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, server_default=text("gen_random_uuid()"))
    owner_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: The list screen (its view class name, e.g. "ClientView").
    view_name: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: The list's URL arguments (filters, `q`, sort, page size), as a query string.
    query_string: Mapped[str] = mapped_column(String(2000), nullable=False, server_default="")
    #: Shown to everyone who may read the list, not only to its owner.
    shared: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    owner = relationship("MsspUser", lazy="joined")

    def __str__(self) -> str:
        return self.name
