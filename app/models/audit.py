"""The audit trail: one append-only table of who did what, when, from where.

`AuditEvent` rows are written by `app.services.audit.recording.record_event` and never
changed: a database trigger (migration 0003) refuses UPDATE, DELETE and TRUNCATE.
Two narrow exceptions keep the table usable:

- deleting a user sets `actor_user_id` to NULL (the FK's ON DELETE SET NULL); the
  trigger allows an UPDATE that changes nothing else, and `actor_email` still
  names the person;
- the archive command of the audit-trail issue removes old rows inside a
  transaction that ran `SET LOCAL mssp.audit_archive = 'on'` (DELETE only).

Actions are free text (`AuditAction` lists the ones in use) so that a new kind of
event needs no migration; sources are a closed set with a CHECK constraint.
`operation` says what a change did to the row (create, update, delete; NULL for events
such as logins), `action` what the person did: "update", or a lifecycle action like
"archive" or "renew" (app.services.audit.capture writes those rows).
Logouts double as the revocation list of signed session cookies
(app.security.sessions), which is why `entity_type = 'session'` rows exist.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import str_enum


class AuditSource(enum.Enum):
    """Where the change came from."""

    UI = "ui"
    API = "api"
    JOB = "job"
    CLI = "cli"


class AuditOperation(enum.Enum):
    """What a recorded change did to its row."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class AuditAction:
    """The action names in use.

    Changes are "create", "update", "delete", or a lifecycle action named by the
    service (`audit_action`) or inferred from the fields that changed
    (app.services.audit.policy); the rest are events without a row change.
    """

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    BULK_CREATE = "bulk_create"
    AUDIT_ARCHIVED = "audit_archived"

    LOGIN_SUCCESS = "login_success"
    LOGIN_FAILURE = "login_failure"
    LOGOUT = "logout"
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_UNLOCKED = "account_unlocked"
    PASSWORD_CHANGED = "password_changed"
    PERMISSION_DENIED = "permission_denied"


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_occurred_at", "occurred_at"),
        Index("ix_audit_event_actor_user_id", "actor_user_id"),
        # History of one record, newest first.
        Index("ix_audit_event_entity", "entity_type", "entity_id", "occurred_at"),
        Index("ix_audit_event_action", "action"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    # clock_timestamp(), not now(): several events of one transaction keep their order.
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=text("clock_timestamp()")
    )
    actor_user_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True
    )
    #: Kept when the user is deleted; for failed logins, the name that was typed.
    actor_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    source: Mapped[AuditSource] = mapped_column(
        str_enum(AuditSource, "audit_source"), nullable=False
    )
    ip: Mapped[str | None] = mapped_column(INET, nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    operation: Mapped[AuditOperation | None] = mapped_column(
        str_enum(AuditOperation, "audit_operation"), nullable=True
    )
    entity_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    entity_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Field-level changes ({"field": {"old": ..., "new": ...}}) or event details.
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)

    #: For the audit screens' "by user" filter; read-only (the trigger refuses writes anyway).
    actor: Mapped[Any] = relationship("MsspUser", foreign_keys=[actor_user_id], viewonly=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.entity_type}:{self.entity_id} by {self.actor_email}>"
