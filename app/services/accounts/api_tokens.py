"""Personal API tokens: creating, checking, recording use, revoking (issue 23).

A token is `mssp_pat_` followed by 43 URL-safe characters (256 random bits): the fixed
prefix lets secret scanners (GitHub push protection, gitleaks, trufflehog) recognise a
leaked one. Only its SHA-256 digest is stored (app.models.api_tokens).

A token acts for its owner and never beyond: each request is allowed only if the owner
may do it now (roles are read live, so a lost role is lost for the token too) and the
token's scope allows it (read-only: safe methods only; `resources`: only those). A token
stops at once when it expires or is revoked, and while its owner is deactivated or locked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models.api_tokens import ApiToken
from app.services.audit.recording import record_event

#: What every token starts with; secret scanners match on it.
TOKEN_PREFIX = "mssp_pat_"
#: Characters of the secret kept in clear to recognise a token in a list (prefix + 6).
SHOWN_CHARACTERS = len(TOKEN_PREFIX) + 6
#: The longest a token may live.
MAX_LIFETIME = dt.timedelta(days=365)
#: Last use (time and address) is written at most this often per token, unless the address changes.
LAST_USE_PRECISION = dt.timedelta(minutes=1)
NAME_MAX_LENGTH = 100
#: Methods a read-only token may use.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

TOKEN_ENTITY = "api_token"
TOKEN_USED = "api_token_used"
TOKEN_REFUSED = "api_token_refused"


class TokenRefused(Exception):
    """A token that may not be used now; `reason` goes to the audit trail, never to the caller."""

    def __init__(self, reason: str, token: ApiToken | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.token = token


@dataclass(frozen=True)
class IssuedToken:
    """A token just created: `secret` is shown once and never stored."""

    token: ApiToken
    secret: str


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def looks_like_token(value: str | None) -> bool:
    return bool(value) and value.startswith(TOKEN_PREFIX)


def _checked_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationFailed("name: give the token a name (what uses it).", field="name")
    name = name.strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed(f"name: at most {NAME_MAX_LENGTH} characters.", field="name")
    if "\x00" in name:
        raise ValidationFailed("name: must not contain NUL characters.", field="name")
    return name


def _checked_expiry(expires_at: Any, now: dt.datetime) -> dt.datetime:
    if not isinstance(expires_at, dt.datetime):
        raise ValidationFailed("expires_at: give a date and time (ISO 8601).", field="expires_at")
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=dt.UTC)
    if expires_at <= now:
        raise ValidationFailed("expires_at: must be in the future.", field="expires_at")
    if expires_at > now + MAX_LIFETIME:
        raise ValidationFailed("expires_at: at most one year from now.", field="expires_at")
    return expires_at


def _checked_resources(resources: Any, known: Collection[str]) -> list[str] | None:
    if resources is None:
        return None
    if not isinstance(resources, list | tuple) or not all(isinstance(r, str) for r in resources):
        raise ValidationFailed("resources: a list of resource names, or null for all.", field="resources")
    unknown = sorted(set(resources) - set(known))
    if unknown:
        raise ValidationFailed(
            f"resources: unknown resource(s) {', '.join(unknown)}.", field="resources"
        )
    if not resources:
        raise ValidationFailed("resources: name at least one resource, or null for all.", field="resources")
    return sorted(set(resources))


def create_token(
    owner: Any,
    *,
    name: Any,
    expires_at: Any,
    read_only: Any = True,
    resources: Any = None,
    known_resources: Collection[str] = (),
    now: dt.datetime | None = None,
) -> IssuedToken:
    """A new token for `owner` (added to the session; the caller commits).

    Refuses (ValidationFailed, naming the field) a blank or long name, an expiry in the
    past or more than a year ahead, a non-boolean `read_only`, unknown resources.
    """
    now = now or utcnow()
    if not isinstance(read_only, bool):
        raise ValidationFailed("read_only: true or false.", field="read_only")
    token = ApiToken(
        user_id=owner.id,
        name=_checked_name(name),
        expires_at=_checked_expiry(expires_at, now),
        read_only=read_only,
        resources=_checked_resources(resources, known_resources),
        created_at=now,
    )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token.token_hash = token_digest(secret)
    token.token_prefix = secret[:SHOWN_CHARACTERS]
    db.session.add(token)
    db.session.flush()
    record_event(
        "api_token_created", entity_type=TOKEN_ENTITY, entity_id=token.id,
        changes={"name": token.name, "owner": owner.email, "read_only": token.read_only,
                 "resources": token.resources, "expires_at": token.expires_at.isoformat()},
    )
    return IssuedToken(token=token, secret=secret)


def tokens_of(owner: Any | None) -> list[ApiToken]:
    """`owner`'s tokens, newest first; everyone's with None."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.name)
    if owner is not None:
        query = query.where(ApiToken.user_id == owner.id)
    return list(db.session.scalars(query))


def find_token(token_id: Any, owner: Any | None) -> ApiToken:
    """A token by id; only among `owner`'s unless owner is None (admins). NotFound otherwise."""
    token = db.session.get(ApiToken, token_id) if token_id is not None else None
    if token is None or (owner is not None and token.user_id != owner.id):
        raise NotFound("No such API token.")
    return token


def revoke_token(token: ApiToken, *, actor: Any, now: dt.datetime | None = None) -> bool:
    """Revoke (not committed). False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    record_event(
        "api_token_revoked", user=actor, entity_type=TOKEN_ENTITY, entity_id=token.id,
        changes={"name": token.name, "owner": token.user.email},
    )
    return True


def token_state(token: ApiToken, now: dt.datetime | None = None) -> str:
    """"active", "expired" or "revoked", as lists show it."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= now:
        return "expired"
    return "active"


def authenticate(secret: str, *, owner_usable, now: dt.datetime | None = None) -> ApiToken:
    """The live token for `secret`, or TokenRefused (recorded in the audit trail by the caller).

    `owner_usable(user) -> str | None` says why the owner may not act now (deactivated,
    locked), None when they may: the lockout rules live with the security manager.
    """
    now = now or utcnow()
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    if token is None:
        raise TokenRefused("unknown api token")
    if token.revoked_at is not None:
        raise TokenRefused("api token revoked", token)
    if token.expires_at <= now:
        raise TokenRefused("api token expired", token)
    reason = owner_usable(token.user)
    if reason:
        raise TokenRefused(f"api token owner {reason}", token)
    return token


def scope_allows(token: ApiToken, method: str, resource: str | None) -> bool:
    """Whether the token's own scope lets this request through (the owner's rights aside)."""
    if token.read_only and method.upper() not in SAFE_METHODS:
        return False
    return token.resources is None or resource in token.resources


def record_use(token: ApiToken, ip: str | None, now: dt.datetime | None = None) -> bool:
    """Stamp last use and address, and record the use in the audit trail (not committed).

    At most once per LAST_USE_PRECISION per token and address, so a busy script does not
    write a row per call. True when something was written.
    """
    now = now or utcnow()
    recent = token.last_used_at is not None and now - token.last_used_at < LAST_USE_PRECISION
    if recent and (token.last_used_ip or None) == (ip or None):
        return False
    token.last_used_at = now
    token.last_used_ip = ip
    record_event(
        TOKEN_USED, user=token.user, entity_type=TOKEN_ENTITY, entity_id=token.id,
        changes={"name": token.name},
    )
    return True


def record_refusal(refusal: TokenRefused) -> None:
    """A refused token, recorded like a refused login (not committed)."""
    token = refusal.token
    record_event(
        TOKEN_REFUSED,
        user=token.user if token is not None else None,
        entity_type=TOKEN_ENTITY,
        entity_id=token.id if token is not None else None,
        changes={"reason": refusal.reason},
    )
