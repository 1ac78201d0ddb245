"""Single sign-on accounts: who an OpenID Connect login is, and which roles they get (issue 23).

The security layer (app.security.oidc) runs the protocol with Authlib and hands over the
verified ID token's claims; here they become an account:

- the account is found by the provider's subject (`sub`), else by e-mail; a first login
  creates it with `auth_provider = 'oidc'` and an unusable random password;
- the e-mail comes from the verified claim (`email_verified` must be true unless the
  configuration says the provider verifies every address it sends, as Entra ID does);
- roles come from MSSP_OIDC_ROLE_MAP (group -> role names) and replace the account's roles
  at every login: a person removed from a group loses the role at the next login;
- nobody is given a default role: no mapped group refuses the login (and takes the roles
  away, so API tokens of that person stop too);
- a password account of the same e-mail holding the Admin role is never taken over: it is
  the break-glass account; other password accounts are linked on their first SSO login.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import func, select

from app.errors import DomainError
from app.extensions import db
from app.models.users import AuthProvider, MsspUser
from app.services.accounts import login_security, passwords
from app.services.audit.recording import record_user_event

log = logging.getLogger(__name__)

#: The role that marks a password account as break-glass (never taken over by SSO).
BREAK_GLASS_ROLE = "Admin"
SSO_LINKED = "sso_linked"
NO_MAPPED_GROUP = (
    "You signed in, but none of your groups gives access to this application. Ask your "
    "administrator to add you to a group that does."
)


class SsoRefused(DomainError):
    """A verified identity that may not sign in; `message` is shown on the refusal page,
    `reason` goes to the audit trail."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class SsoSettings:
    role_map: Mapping[str, tuple[str, ...]]
    groups_claim: str = "groups"
    email_claim: str = "email"
    require_verified_email: bool = True

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SsoSettings:
        return cls(
            role_map=normalised_role_map(config.get("MSSP_OIDC_ROLE_MAP") or {}),
            groups_claim=config.get("MSSP_OIDC_GROUPS_CLAIM") or "groups",
            email_claim=config.get("MSSP_OIDC_EMAIL_CLAIM") or "email",
            require_verified_email=bool(config.get("MSSP_OIDC_REQUIRE_VERIFIED_EMAIL", True)),
        )


@dataclass(frozen=True)
class SsoIdentity:
    subject: str
    email: str
    first_name: str
    last_name: str
    groups: tuple[str, ...] = field(default_factory=tuple)


def normalised_role_map(raw: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """{"group": "Role"} or {"group": ["Role", ...]} -> {"group": ("Role", ...)}; ValueError if neither."""
    if not isinstance(raw, Mapping):
        raise ValueError('MSSP_OIDC_ROLE_MAP must be a JSON object, e.g. {"soc-managers": "Manager"}.')
    result: dict[str, tuple[str, ...]] = {}
    for group, roles in raw.items():
        names = [roles] if isinstance(roles, str) else roles
        if not isinstance(names, list | tuple) or not names or not all(
            isinstance(n, str) and n.strip() for n in names
        ):
            raise ValueError(
                f"MSSP_OIDC_ROLE_MAP[{group!r}] must be a role name or a list of role names."
            )
        result[str(group)] = tuple(n.strip() for n in names)
    return result


def identity_from_claims(claims: Mapping[str, Any], settings: SsoSettings) -> SsoIdentity:
    """The person the verified claims describe; SsoRefused when they cannot be used."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SsoRefused("The identity provider sent no subject.", "no subject claim")
    email = claims.get(settings.email_claim)
    if not isinstance(email, str) or "@" not in email:
        raise SsoRefused(
            "The identity provider sent no e-mail address for your account; ask your "
            "administrator to release the e-mail claim to this application.",
            "no email claim",
        )
    if settings.require_verified_email and claims.get("email_verified") is not True:
        raise SsoRefused(
            "Your e-mail address is not verified by the identity provider.", "email not verified"
        )
    groups = claims.get(settings.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list):
        groups = []
    return SsoIdentity(
        subject=subject,
        email=email.strip().lower(),
        first_name=str(claims.get("given_name") or email.split("@")[0])[:64],
        last_name=str(claims.get("family_name") or "")[:64],
        groups=tuple(str(g) for g in groups),
    )


def mapped_role_names(groups: Iterable[str], role_map: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The role names the groups map to, sorted, without duplicates."""
    names: set[str] = set()
    for group in groups:
        names.update(role_map.get(group, ()))
    return sorted(names)


def _find_account(identity: SsoIdentity) -> MsspUser | None:
    user = db.session.scalar(select(MsspUser).where(MsspUser.oidc_subject == identity.subject))
    if user is not None:
        return user
    return db.session.scalar(select(MsspUser).where(func.lower(MsspUser.email) == identity.email))


def _roles(names: Iterable[str]) -> list[Role]:
    names = list(names)
    roles = list(db.session.scalars(select(Role).where(Role.name.in_(names))))
    missing = sorted(set(names) - {role.name for role in roles})
    if missing:
        raise SsoRefused(
            "Single sign-on is misconfigured (a mapped role does not exist); ask your administrator.",
            f"MSSP_OIDC_ROLE_MAP names unknown role(s): {', '.join(missing)}",
        )
    return roles


def sign_in(
    identity: SsoIdentity,
    settings: SsoSettings,
    *,
    lockout: login_security.LockoutPolicy,
    password_method: str,
    now: dt.datetime | None = None,
) -> MsspUser:
    """The account to sign in, its roles set from the groups (not committed).

    SsoRefused (its audit event added to the session: the caller commits) for a break-glass
    account, a deactivated or locked one, or no mapped group.
    """
    now = now or login_security.utcnow()
    role_names = mapped_role_names(identity.groups, settings.role_map)
    user = _find_account(identity)
    if user is None:
        if not role_names:
            _refuse(None, identity, NO_MAPPED_GROUP, "no mapped group")
        user = MsspUser(
            email=identity.email,
            username=identity.email,
            first_name=identity.first_name,
            last_name=identity.last_name,
            active=True,
            auth_provider=AuthProvider.OIDC,
            password=passwords.hash_password(secrets.token_urlsafe(32), password_method),
        )
        db.session.add(user)
    else:
        _check_existing(user, identity, lockout, password_method, now)
        if not role_names:
            user.roles = []
            _refuse(user, identity, NO_MAPPED_GROUP, "no mapped group")
    if user.oidc_subject is None:
        user.oidc_subject = identity.subject
    user.roles = _roles(role_names)
    user.email = identity.email
    user.first_name = identity.first_name or user.first_name
    user.last_name = identity.last_name or user.last_name
    db.session.flush()
    return user


def _check_existing(
    user: MsspUser,
    identity: SsoIdentity,
    lockout: login_security.LockoutPolicy,
    password_method: str,
    now: dt.datetime,
) -> None:
    """Refuse a break-glass, deactivated or locked account; link a password account."""
    password_account = user.auth_provider != AuthProvider.OIDC
    if password_account and any(role.name == BREAK_GLASS_ROLE for role in user.roles):
        _refuse(
            user, identity,
            "This e-mail address belongs to a local administrator account, which signs in "
            "with its password only.",
            "break-glass account is not linked to single sign-on",
        )
    if not user.is_active:
        _refuse(user, identity, "Your account is deactivated.", "account deactivated")
    if login_security.lock_expired(user, lockout, now):
        login_security.unlock(user, automatic=True)
    if login_security.lock_in_force(user, lockout, now):
        _refuse(user, identity, "Your account is locked; ask an administrator.", "account locked")
    if password_account:
        user.auth_provider = AuthProvider.OIDC
        user.password = passwords.hash_password(secrets.token_urlsafe(32), password_method)
        record_user_event(SSO_LINKED, user, user=user, changes={"subject": identity.subject})


def _refuse(user: MsspUser | None, identity: SsoIdentity, message: str, reason: str) -> NoReturn:
    login_security.register_refused_login(user, identity.email, reason=reason)
    raise SsoRefused(message, reason)
