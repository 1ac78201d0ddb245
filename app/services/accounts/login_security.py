"""Account lockout: counting failed logins, locking, unlocking (by an admin or by time).

The functions change the user object and add audit events to the session; the
caller commits (the security manager, in the same transaction as FAB's own login
statistics). `unlock_accounts` is a complete operation and commits itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.extensions import db
from app.models.audit import AuditAction
from app.request_info import client_ip
from app.services.audit.recording import record_event, record_user_event

log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class LockoutPolicy:
    #: Consecutive failed logins that lock the account.
    max_failed_logins: int = 5
    #: Minutes after which a lock lifts by itself; None: only an admin unlocks.
    lockout_minutes: int | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LockoutPolicy:
        return cls(
            max_failed_logins=int(config.get("MSSP_MAX_FAILED_LOGINS") or 5),
            lockout_minutes=config.get("MSSP_LOCKOUT_MINUTES") or None,
        )


def lock_expired(user: Any, policy: LockoutPolicy, now: dt.datetime) -> bool:
    """Whether the account is locked but its automatic unlock time has passed."""
    if not user.is_locked or policy.lockout_minutes is None or user.locked_at is None:
        return False
    return now >= user.locked_at + dt.timedelta(minutes=policy.lockout_minutes)


def lock_in_force(user: Any, policy: LockoutPolicy, now: dt.datetime) -> bool:
    """Whether the account is locked now (a lock past its automatic unlock time is not)."""
    return bool(user.is_locked) and not lock_expired(user, policy, now)


def register_failed_login(user: Any, policy: LockoutPolicy, now: dt.datetime, *, reason: str) -> bool:
    """Count a failed login of a known account; lock it at the limit. True when it locked now."""
    user.failed_login_attempts = (user.failed_login_attempts or 0) + 1
    record_user_event(
        AuditAction.LOGIN_FAILURE, user, user=user,
        changes={"reason": reason, "failed_attempts": user.failed_login_attempts},
    )
    if user.is_locked or user.failed_login_attempts < policy.max_failed_logins:
        return False
    user.is_locked = True
    user.locked_at = now
    record_user_event(
        AuditAction.ACCOUNT_LOCKED, user, user=user,
        changes={"failed_attempts": user.failed_login_attempts},
    )
    log.warning(
        "account locked: %s after %d consecutive failed logins, last from %s",
        user.email, user.failed_login_attempts, client_ip() or "no address",
    )
    return True


def register_refused_login(user: Any | None, attempted_name: str, *, reason: str) -> None:
    """Record a login refused before any password check counts (unknown, inactive, locked)."""
    if user is None:
        record_event(
            AuditAction.LOGIN_FAILURE, actor_email=(attempted_name or "")[:320] or None,
            changes={"reason": reason},
        )
    else:
        record_user_event(AuditAction.LOGIN_FAILURE, user, user=user, changes={"reason": reason})


def register_successful_login(user: Any, now: dt.datetime) -> None:
    """Reset the failure counter and record the login."""
    user.failed_login_attempts = 0
    user.last_login_at = now
    record_user_event(AuditAction.LOGIN_SUCCESS, user, user=user)


def unlock(user: Any, *, actor: Any | None = None, automatic: bool = False) -> None:
    """Lift the lock and reset the counter (not committed). `locked_at` stays: sessions
    and tokens issued before the lock remain refused (app.security.sessions)."""
    was_locked = bool(user.is_locked)
    user.is_locked = False
    user.failed_login_attempts = 0
    if was_locked:
        record_user_event(
            AuditAction.ACCOUNT_UNLOCKED, user, user=actor,
            changes={"by": "automatic" if automatic else "admin"},
        )
        log.info("account unlocked: %s (%s)", user.email, "automatic" if automatic else "by an admin")


def unlock_accounts(users: Iterable[Any], *, actor: Any | None) -> int:
    """Unlock every locked account of `users` and commit; returns how many were locked."""
    count = 0
    for user in users:
        if user is not None and user.is_locked:
            count += 1
        if user is not None:
            unlock(user, actor=actor)
    db.session.commit()
    return count
