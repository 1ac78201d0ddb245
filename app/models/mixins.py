"""Columns most entities share: UUID ids, timestamps, who changed it, version, custom fields."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import g, has_request_context
from sqlalchemy import DateTime, ForeignKey, Integer, Uuid, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

if TYPE_CHECKING:
    from app.models.users import MsspUser


def current_user_id() -> int | None:
    """The id of the logged-in user of this request, if any (FAB sets `g.user`)."""
    if not has_request_context():
        return None
    user = getattr(g, "user", None)
    return getattr(user, "id", None) if user is not None and not getattr(user, "is_anonymous", True) else None


class UUIDPrimaryKeyMixin:
    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()"),
        sort_order=-100,  # first in the table, though mixin columns come last by default
        # The client-side uuid4 tells the rows of one multi-row INSERT apart: SQLAlchemy can then
        # batch the inserts of a flush (an import's chunk) instead of sending one per row.
        insert_sentinel=True,
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), sort_order=100
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now(),
        sort_order=101,
    )


class ChangedByMixin:
    """Who created and last changed the row (FAB's AuditMixin, on our column names).

    SET NULL: removing a person must not remove or block the records they touched.
    """

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(
            Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True,
            default=current_user_id, index=True, sort_order=102,
        )

    @declared_attr
    def changed_by_id(cls) -> Mapped[int | None]:
        return mapped_column(
            Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True,
            default=current_user_id, onupdate=current_user_id, index=True, sort_order=103,
        )

    # Lambdas: the columns exist on the mapped subclass only once it is mapped.
    @declared_attr
    def created_by(cls) -> Mapped[MsspUser | None]:
        return relationship("MsspUser", foreign_keys=lambda: [cls.created_by_id])

    @declared_attr
    def changed_by(cls) -> Mapped[MsspUser | None]:
        return relationship("MsspUser", foreign_keys=lambda: [cls.changed_by_id])


class VersionedMixin:
    """Optimistic locking: an UPDATE of a stale version raises StaleDataError.

    Checked: each subclass gets its own `version` column as `version_id_col`
    (SQLAlchemy copies mixin columns before `__mapper_args__` is evaluated).
    """

    version: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=text("1"), sort_order=104
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class CustomFieldDataMixin:
    """Values of admin-defined custom fields (see CustomFieldDefinition).

    Each table adds `custom_field_data_index(<table>)` to its `__table_args__`.
    """

    custom_field_data: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default=text("'{}'::jsonb"), sort_order=105
    )
