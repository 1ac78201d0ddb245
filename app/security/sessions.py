"""Web sessions and API tokens: when they start and when they stop being honoured.

Flask keeps the session in a signed cookie, so ending one needs state on the
server side. Each login stamps the session with a random id and the login time;
on every request (the user loader) the session is refused when:

- it is older than MSSP_SESSION_MAX_HOURS (absolute lifetime, 12 h by default);
- it was idle longer than MSSP_SESSION_IDLE_MINUTES (30 by default);
- the account was locked, or its password changed, after the session began;
- the account is locked now, or deactivated (the manager checks both first);
- it was logged out: logout records a `logout` audit event naming a digest of the
  session id, and a replayed copy of the cookie finds it there.

JWTs carry the login time in the `mssp_auth_at` claim and get the same
lock/password/deactivation checks in the security manager.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from flask import Flask, current_app, flash, session
from flask_login import user_logged_in
from sqlalchemy import exists, select

from app.extensions import db
from app.models.audit import AuditAction, AuditEvent
from app.services.audit.recording import record_event

SESSION_ID_KEY = "mssp_sid"
AUTH_AT_KEY = "mssp_auth_at"
SEEN_AT_KEY = "mssp_seen_at"
#: Flask-Login's keys, kept when the rest of the pre-login session is dropped.
LOGIN_KEYS = ("_user_id", "_fresh", "_id")
SESSION_ENTITY = "session"
SESSION_ENDED_MESSAGE = "Your session has ended; please sign in again."


def init_sessions(app: Flask) -> None:
    user_logged_in.connect(start_session, app)


def start_session(_sender: Any, user: Any = None, **_extra: Any) -> None:
    """After a login: a fresh session holding only the login and our stamps."""
    kept = {key: session[key] for key in LOGIN_KEYS if key in session}
    session.clear()
    session.update(kept)
    now = time.time()
    session[SESSION_ID_KEY] = secrets.token_urlsafe(24)
    session[AUTH_AT_KEY] = now
    session[SEEN_AT_KEY] = now


def restamp_session() -> None:
    """After the signed-in user changed their own password: keep this session valid."""
    session[AUTH_AT_KEY] = time.time()


def session_digest(session_id: str) -> str:
    """What the audit trail stores for a session: never the id itself."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:32]


def credentials_changed_since(user: Any, issued_at: float) -> bool:
    """Whether the account was locked or its password changed after `issued_at` (epoch s)."""
    for moment in (user.locked_at, user.last_password_change_at):
        if moment is not None and issued_at < moment.timestamp():
            return True
    return False


def session_end_reason(user: Any, now: float) -> str | None:
    """Why the current session may no longer be used by `user`; None when it may."""
    config = current_app.config
    auth_at = session.get(AUTH_AT_KEY)
    seen_at = session.get(SEEN_AT_KEY)
    session_id = session.get(SESSION_ID_KEY)
    if not (auth_at and seen_at and session_id):
        return "not stamped"
    if now - auth_at > config["MSSP_SESSION_MAX_HOURS"] * 3600:
        return "past its absolute lifetime"
    if now - seen_at > config["MSSP_SESSION_IDLE_MINUTES"] * 60:
        return "idle"
    if credentials_changed_since(user, auth_at):
        return "account locked or password changed since login"
    if is_revoked(session_id):
        return "logged out"
    return None


def touch_session(now: float) -> None:
    session[SEEN_AT_KEY] = now


def end_session(notify: bool = True) -> None:
    session.clear()
    if notify:
        flash(SESSION_ENDED_MESSAGE, "info")


def is_revoked(session_id: str) -> bool:
    query = select(
        exists().where(
            AuditEvent.entity_type == SESSION_ENTITY,
            AuditEvent.entity_id == session_digest(session_id),
            AuditEvent.action == AuditAction.LOGOUT,
        )
    )
    return bool(db.session.execute(query).scalar())


def revoke_current_session(user: Any) -> None:
    """Record the logout of this session (not committed); replays of its cookie then fail."""
    session_id = session.get(SESSION_ID_KEY)
    if session_id:
        record_event(
            AuditAction.LOGOUT, user=user, entity_type=SESSION_ENTITY,
            entity_id=session_digest(session_id),
        )
