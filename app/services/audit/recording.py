"""Recording audit events (app.models.audit.AuditEvent).

`record_event` adds the event to the current database session and leaves the
commit to the caller, so an event is written in the same transaction as the
change it describes (and disappears with it when that transaction rolls back).
IP, request id and source are taken from the current request when there is one,
else from `audit_context` (a job run, a `flask mssp` command). Changes of records are
recorded by app.services.audit.capture, on the same columns (`event_context`).
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from werkzeug.local import LocalProxy

from app.extensions import db
from app.models.audit import AuditEvent, AuditSource
from app.request_info import client_ip, request_id, request_source
from app.services.audit.context import source_override

#: The entity type of user accounts in audit events.
USER_ENTITY = "user"


def record_event(
    action: str,
    *,
    user: Any | None = None,
    actor_email: str | None = None,
    entity_type: str | None = None,
    entity_id: Any | None = None,
    changes: dict[str, Any] | None = None,
    source: str | AuditSource | None = None,
) -> AuditEvent:
    """Add an audit event for `action` to the session (not committed) and return it.

    `user` is who acted; it defaults to the signed-in user of the current request.
    `actor_email` names the actor when there is no account (a failed login's
    typed name) and defaults to the user's email.
    """
    context = event_context(user)
    if actor_email:
        context["actor_email"] = actor_email[:320]
    if source:
        context["source"] = AuditSource(source)
    event = AuditEvent(
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        changes=changes,
        **context,
    )
    db.session.add(event)
    return event


def event_context(user: Any | None = None) -> dict[str, Any]:
    """Who, from where, through what: the columns every audit row of this moment shares.

    `user` defaults to the signed-in user of the request; outside a request, a job or a
    command names itself (app.services.audit.context) as actor, source and request id.
    """
    actor = user if user is not None else current_actor()
    override = source_override()
    actor_email = getattr(actor, "email", None) or (override.actor_label if override else None)
    in_request = has_request_context()
    return {
        "actor_user_id": getattr(actor, "id", None),
        "actor_email": actor_email[:320] if actor_email else None,
        "source": override.source if override else AuditSource(request_source()),
        "ip": client_ip(),
        "request_id": request_id() if in_request else (override.request_id if override else None),
    }


def record_user_event(
    action: str, subject: Any, *, user: Any | None = None, changes: dict[str, Any] | None = None
) -> AuditEvent:
    """An event about the account `subject` (locked, unlocked, password changed...)."""
    return record_event(
        action, user=user, entity_type=USER_ENTITY, entity_id=subject.id, changes=changes
    )


def current_actor() -> Any | None:
    """The user of the current request, without triggering a user load.

    Flask-Login caches the session's user in `g._login_user`; a JWT request has
    its user in `g.user` (set by the security manager). FAB's own `g.user` is a
    proxy that would load the user, which must not happen while loading it.
    """
    if not has_request_context():
        return None
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False) and getattr(user, "id", None):
        return user
    user = g.get("user")
    if user is None or isinstance(user, LocalProxy):
        return None
    return user if getattr(user, "id", None) else None
