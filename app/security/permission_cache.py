"""Roles and permissions, cached per process and checked against one version token per request.

Flask-AppBuilder 5.3 has no cache for permission look-ups: every protected request asks
the database for the Public role and its permissions (REST), the user's roles and groups,
and whether one of them holds the permission asked for; the menus ask again. Those rows
change only when someone edits roles, permissions or memberships.

So each process keeps, per role, the set of (permission, resource) pairs it holds, and per
user the ids of their roles (direct and through groups). All of it belongs to one *version
token*: the single row of `security_version`, which statement triggers on every `ab_` table
that defines roles, permissions or memberships replace with a fresh random UUID (migration
0014). A request reads the token once (one primary-key read) and serves every check from
memory while the token is the one the cache was built for; a new token empties the cache.

Why a token read per request rather than a time-to-live: a change must take effect at
the next request in every worker and on every host (a TTL would leave a revoked
permission usable for its length); the token is transactional (another worker sees it
when the change commits, never before) and never repeats (a rolled-back change cannot
leave its token behind for a later change to reuse, as a counter could).

The user row itself is still loaded per request: being active, locked and the session's
validity are not cached.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import g, has_request_context
from flask_appbuilder.security.sqla.models import (
    Permission,
    PermissionView,
    Role,
    ViewMenu,
    assoc_group_role,
    assoc_permissionview_role,
    assoc_user_group,
    assoc_user_role,
)
from sqlalchemy import select, text

Pair = tuple[str, str]

VERSION_QUERY = text("SELECT version FROM security_version WHERE id = 1")


@dataclass(frozen=True)
class CachedRole:
    id: int
    name: str


@dataclass
class _Snapshot:
    version: uuid.UUID | None
    roles_by_name: dict[str, CachedRole | None] = field(default_factory=dict)
    role_pairs: dict[int, frozenset[Pair]] = field(default_factory=dict)
    user_roles: dict[int, tuple[CachedRole, ...]] = field(default_factory=dict)


class PermissionCache:
    """One per security manager (so per app): see the module docstring."""

    def __init__(self, session_getter) -> None:
        self._session = session_getter
        self._lock = threading.Lock()
        self._snapshot = _Snapshot(version=None)

    # ---- the version token ------------------------------------------------------------

    def _current(self) -> _Snapshot:
        """The snapshot for this request's token (read once per request)."""
        version = self._request_version()
        snapshot = self._snapshot
        if version is None:
            return _Snapshot(version=None)  # no token (table empty): nothing is shared
        if snapshot.version != version:
            with self._lock:
                if self._snapshot.version != version:
                    self._snapshot = _Snapshot(version=version)
                snapshot = self._snapshot
        return snapshot

    def _request_version(self) -> uuid.UUID | None:
        if has_request_context() and "_mssp_security_version" in g:
            return g._mssp_security_version
        version = self._session().execute(VERSION_QUERY).scalar()
        if has_request_context():
            g._mssp_security_version = version
        return version

    # ---- look-ups -------------------------------------------------------------------------

    def role_by_name(self, name: str) -> CachedRole | None:
        snapshot = self._current()
        if name not in snapshot.roles_by_name:
            row = self._session().execute(select(Role.id, Role.name).where(Role.name == name)).first()
            role = CachedRole(row.id, row.name) if row else None
            snapshot.roles_by_name[name] = role
        return snapshot.roles_by_name[name]

    def user_roles(self, user_id: int) -> tuple[CachedRole, ...]:
        """The user's roles: direct ones, then those of their groups (FAB's order)."""
        snapshot = self._current()
        roles = snapshot.user_roles.get(user_id)
        if roles is None:
            session = self._session()
            direct = select(Role.id, Role.name).join(
                assoc_user_role, assoc_user_role.c.role_id == Role.id
            ).where(assoc_user_role.c.user_id == user_id)
            via_groups = (
                select(Role.id, Role.name)
                .join(assoc_group_role, assoc_group_role.c.role_id == Role.id)
                .join(assoc_user_group, assoc_user_group.c.group_id == assoc_group_role.c.group_id)
                .where(assoc_user_group.c.user_id == user_id)
            )
            rows = session.execute(direct.union_all(via_groups)).all()
            seen: dict[int, CachedRole] = {}
            for row in rows:
                seen.setdefault(row.id, CachedRole(row.id, row.name))
            roles = tuple(seen.values())
            snapshot.user_roles[user_id] = roles
        return roles

    def role_pairs(self, role_ids: Iterable[int]) -> frozenset[Pair]:
        """Every (permission, resource) pair held by any of `role_ids`."""
        snapshot = self._current()
        ids = list(dict.fromkeys(role_ids))
        missing = [role_id for role_id in ids if role_id not in snapshot.role_pairs]
        if missing:
            loaded: dict[int, set[Pair]] = {role_id: set() for role_id in missing}
            for role_id, permission, resource in self._load_pairs(missing):
                loaded[role_id].add((permission, resource))
            for role_id, pairs in loaded.items():
                snapshot.role_pairs[role_id] = frozenset(pairs)
        if len(ids) == 1:
            return snapshot.role_pairs[ids[0]]
        return frozenset().union(*(snapshot.role_pairs[role_id] for role_id in ids))

    def _load_pairs(self, role_ids: list[int]) -> list[Any]:
        grants = assoc_permissionview_role.c
        return self._session().execute(
            select(grants.role_id, Permission.name, ViewMenu.name)
            .select_from(PermissionView)
            .join(Permission, PermissionView.permission_id == Permission.id)
            .join(ViewMenu, PermissionView.view_menu_id == ViewMenu.id)
            .join(assoc_permissionview_role, grants.permission_view_id == PermissionView.id)
            .where(grants.role_id.in_(role_ids))
        ).all()
