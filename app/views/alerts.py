"""Alert screens: the bell in the navbar, each person's list and mutes, the Admins' lead times.

- "Alert" (every role, app.services.accounts.roles.SELF_SERVICE): `/alerts/` lists the signed-in
  person's own alerts with a link to each record, marks them read, and keeps their
  muted kinds (`/alerts/preferences`). The services take the person's id, so nobody
  reaches another person's alerts.
- "AlertSettings" (Admin only: not in DOMAIN_RESOURCES): `/alertsettings/` sets each
  kind's lead times or thresholds, turns kinds off, and shows recent e-mail digests.
- The bell: `alert_bell()` in every template (the navbar override
  templates/appbuilder/navbar_right.html includes templates/alerts/_bell.html). No
  script: a Bootstrap dropdown (bootstrap.min.js is loaded by FAB with the CSP nonce).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from flask import Flask, flash, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import BuildError

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models.alerts import Alert, AlertEmailDigest, AlertKind
from app.models.users import MsspUser
from app.services.alerts.inbox import InboxItem, inbox, mark_all_read, mark_read, unread_count
from app.services.alerts.kinds import KINDS
from app.services.alerts.settings import (
    kind_settings,
    muted_kinds,
    reset_kind_setting,
    save_kind_setting,
    set_muted_kinds,
)
from app.web.permissions import holds

log = logging.getLogger(__name__)

#: Alerts shown in the bell's dropdown.
BELL_ITEMS = 5


def _kind(value: str | None) -> AlertKind | None:
    try:
        return AlertKind(value) if value else None
    except ValueError:
        return None


def record_url(alert: Alert) -> str | None:
    """The record's page, when this person may read it and the screen exists."""
    info = KINDS[alert.kind]
    if not holds("can_read", info.resource):
        return None
    try:
        return url_for(info.view, pk=str(alert.record_id))
    except BuildError:
        return None


@dataclass(frozen=True)
class Bell:
    count: int
    #: The latest unread alerts, each with where it leads (its record, else the list).
    latest: list[tuple[InboxItem, str]]


def alert_bell() -> Bell | None:
    """The navbar bell of the signed-in person (None: signed out, or no alerts permission)."""
    if not current_user.is_authenticated or not holds("can_read", "Alert"):
        return None
    try:
        # The inbox page counts the unread alerts already: one count per page, not two.
        unread = inbox(current_user.id, unread_only=True, page_size=BELL_ITEMS)
        unread_list = url_for("AlertsView.list", show="unread")
        return Bell(
            unread.total,
            [(item, record_url(item.alert) or unread_list) for item in unread.items],
        )
    except SQLAlchemyError:  # an error page must still render
        log.warning("alert bell unavailable", exc_info=True)
        return None


class AlertsView(BaseView):
    """The signed-in person's alerts and their muted kinds."""

    route_base = "/alerts"
    class_permission_name = "Alert"
    method_permission_name = {
        "list": "read",
        "preferences": "read",
        "mark_read": "edit",
        "mark_all_read": "edit",
        "save_preferences": "edit",
    }
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        show = request.args.get("show", "all")
        kind = _kind(request.args.get("kind"))
        page = request.args.get("page", 1, type=int) or 1
        result = inbox(current_user.id, unread_only=show == "unread", kind=kind, page=page)
        return self.render_template(
            "alerts/list.html",
            result=result,
            show=show,
            kind=kind,
            kinds=KINDS,
            unread=unread_count(current_user.id),
            record_url=record_url,
            may_configure=holds("can_read", "AlertSettings"),
        )

    @expose("/<uuid:copy_id>/read", methods=["POST"])
    @has_access
    def mark_read(self, copy_id: uuid.UUID):
        try:
            mark_read(current_user.id, copy_id)
        except NotFound as missing:
            return missing.message, 404
        return redirect(_back_to_list())

    @expose("/read-all", methods=["POST"])
    @has_access
    def mark_all_read(self):
        count = mark_all_read(current_user.id)
        flash(f"{count} alert(s) marked read.", "info")
        return redirect(_back_to_list())

    @expose("/preferences")
    @has_access
    def preferences(self):
        return self.render_template(
            "alerts/preferences.html", kinds=KINDS, muted=muted_kinds(current_user.id)
        )

    @expose("/preferences", methods=["POST"])
    @has_access
    def save_preferences(self):
        wanted = {kind for kind in KINDS if request.form.get(f"notify_{kind.value}")}
        muted = set_muted_kinds(current_user.id, set(KINDS) - wanted)
        flash(f"Preferences saved: {len(muted)} kind(s) muted.", "success")
        return redirect(url_for("AlertsView.preferences"))


def _back_to_list() -> str:
    """The list page the form was posted from (a local path only), else the list."""
    target = request.form.get("next", "")
    if target.startswith("/alerts/") and not target.startswith("//"):
        return target
    return url_for("AlertsView.list")


class AlertSettingsView(BaseView):
    """Admins: lead times (or thresholds) per kind, on/off, and the e-mail digests' outcomes."""

    route_base = "/alertsettings"
    class_permission_name = "AlertSettings"
    method_permission_name = {"index": "read", "save": "edit", "reset": "edit"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        return self._page()

    @expose("/<kind>", methods=["POST"])
    @has_access
    def save(self, kind: str):
        alert_kind = _kind(kind)
        if alert_kind is None:
            return "No such alert kind.", 404
        levels = request.form.get("levels") if KINDS[alert_kind].configurable else None
        try:
            save_kind_setting(alert_kind, levels, bool(request.form.get("enabled")))
        except ValidationFailed as refused:
            return self._page(errors={alert_kind: refused.message}, typed={alert_kind: levels or ""}), 422
        flash(f"{KINDS[alert_kind].label}: saved.", "success")
        return redirect(url_for("AlertSettingsView.index"))

    @expose("/<kind>/reset", methods=["POST"])
    @has_access
    def reset(self, kind: str):
        alert_kind = _kind(kind)
        if alert_kind is None:
            return "No such alert kind.", 404
        reset_kind_setting(alert_kind)
        flash(f"{KINDS[alert_kind].label}: back to the defaults.", "success")
        return redirect(url_for("AlertSettingsView.index"))

    def _page(self, errors: dict[AlertKind, str] | None = None, typed: dict[AlertKind, str] | None = None):
        digests = db.session.execute(
            select(AlertEmailDigest, MsspUser.email)
            .join(MsspUser, MsspUser.id == AlertEmailDigest.user_id)
            .order_by(AlertEmailDigest.digest_date.desc(), AlertEmailDigest.created_at.desc())
            .limit(20)
        ).all()
        return self.render_template(
            "alerts/settings.html",
            kinds=KINDS,
            settings=kind_settings(),
            errors=errors or {},
            typed=typed or {},
            digests=digests,
        )


def register_alert_views(app: Flask, appbuilder: AppBuilder) -> None:
    """The screens (no menu entries: the bell and its dropdown lead to them) and the bell."""
    appbuilder.add_view_no_menu(AlertsView)
    appbuilder.add_view_no_menu(AlertSettingsView)
    app.jinja_env.globals["alert_bell"] = alert_bell

