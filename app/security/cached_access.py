"""Flask-AppBuilder's access checks answered from the permission cache (app.security.permission_cache).

The same answers as FAB's `has_access`, `is_item_public`, menu access and
`exist_permission_on_roles`, without their per-check queries. Roles declared in the
configuration (`FAB_ROLES`, "builtin" roles matched by regular expression) are not cached:
with any configured, FAB's own checks run unchanged.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from app.security.permission_cache import CachedRole, Pair, PermissionCache


class CachedAccessMixin:
    """Mixed into the security manager, before FAB's SecurityManager."""

    @cached_property
    def permission_cache(self) -> PermissionCache:
        return PermissionCache(lambda: self.session)

    def cached_roles(self, user: Any) -> tuple[CachedRole, ...]:
        """The roles checked for `user`: theirs when signed in, else the Public role."""
        cache = self.permission_cache
        if user is not None and getattr(user, "is_authenticated", False) and getattr(user, "id", None):
            return cache.user_roles(user.id)
        public = cache.role_by_name(self.auth_role_public)
        return (public,) if public is not None else ()

    def user_pairs(self, user: Any) -> frozenset[Pair]:
        """Every (permission, resource) pair `user` holds (the Public role's when signed out)."""
        return self.permission_cache.role_pairs(role.id for role in self.cached_roles(user))

    # ---- FAB's checks -----------------------------------------------------------------------

    def is_item_public(self, permission_name, view_name):
        if self.builtin_roles:
            return super().is_item_public(permission_name, view_name)
        return (permission_name, view_name) in self.user_pairs(None)

    def _has_view_access(self, user, permission_name, view_name):
        if self.builtin_roles:
            return super()._has_view_access(user, permission_name, view_name)
        return (permission_name, view_name) in self.user_pairs(user)

    def _get_user_permission_view_menus(self, user, permission_name, view_menus_name):
        if self.builtin_roles:
            return super()._get_user_permission_view_menus(user, permission_name, view_menus_name)
        held = {resource for permission, resource in self.user_pairs(user) if permission == permission_name}
        return held if view_menus_name is None else held.intersection(view_menus_name)

    def get_user_permissions(self, user):
        if self.builtin_roles:
            return super().get_user_permissions(user)
        return set(self.user_pairs(user))

    def exist_permission_on_roles(self, view_name, permission_name, role_ids):
        return (permission_name, view_name) in self.permission_cache.role_pairs(role_ids)
