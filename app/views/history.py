"""The "History" of every record: a tab on its page and a page of its own.

- `/history/<entity_type>/<entity_id>/`: the record's whole history, newest first, a
  field-level diff per change, paged. Open to whoever may read the record through its
  screen (the screen's permission and row filters apply), and to audit readers (Admin,
  Manager: can_read on AuditEvent), who also see deleted records' histories.
- The tab: `record_history_tab(pk)` is a Jinja global that the show page template
  (app/templates/appbuilder/general/model/show.html, FAB's own with a History tab)
  calls; it answers None on pages of entities that are not audited, so their page
  shows no tab. One indexed query of at most HISTORY_TAB_SIZE + 1 rows per page view.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, ModelView, expose
from flask_login import current_user

from app.extensions import db
from app.services.audit.history import HistoryEntry, record_history
from app.services.audit.policy import model_for_entity, policies
from app.web.display import audit_when
from app.web.labels import LABELS
from app.web.permissions import holds

#: Entries on the tab; the history page has the rest.
HISTORY_TAB_SIZE = 20
HISTORY_PAGE_SIZE = 50
#: The resource whose read permission opens every record's history (the audit log's).
AUDIT_RESOURCE = "AuditEvent"


def is_audit_reader() -> bool:
    return holds("can_read", AUDIT_RESOURCE)


def screen_for(model: type) -> ModelView | None:
    """The registered screen of `model` (the first ModelView on it)."""
    for view in current_app.appbuilder.baseviews:
        if isinstance(view, ModelView) and view.datamodel.obj is model and hasattr(view, "show"):
            return view
    return None


def may_read_record(view: ModelView, entity_id: str) -> bool:
    """Whether the person may open this record's page: the screen's permission and row filters."""
    permission = "can_" + view.get_method_permission("show")
    if not holds(permission, view.class_permission_name):
        return False
    return view.datamodel.get(entity_id, view._base_filters) is not None


def may_read_history(model: type, entity_id: str) -> bool:
    if is_audit_reader():
        return True
    view = screen_for(model)
    return view is not None and may_read_record(view, entity_id)


def entity_type_of(model: type) -> str | None:
    policy = policies().get(model)
    return policy.entity_type if policy else None


def history_url(entity_type: str, entity_id: Any) -> str:
    return url_for("HistoryView.record", entity_type=entity_type, entity_id=str(entity_id))


def record_history_tab(pk: Any) -> dict[str, Any] | None:
    """For the show page being rendered: its newest entries and the link to the rest."""
    view = next(
        (v for v in current_app.appbuilder.baseviews if getattr(v, "endpoint", None) == request.blueprint),
        None,
    )
    if view is None or not isinstance(view, ModelView):
        return None
    model = view.datamodel.obj
    entity_type = entity_type_of(model)
    if entity_type is None or pk is None:
        return None
    entries = record_history(
        db.session, entity_type, str(pk), limit=HISTORY_TAB_SIZE + 1, labels=_labels(view)
    )
    return {
        "entries": entries[:HISTORY_TAB_SIZE],
        "more": len(entries) > HISTORY_TAB_SIZE,
        "url": history_url(entity_type, pk),
    }


def _labels(view: Any | None) -> dict[str, str]:
    return {**LABELS, **dict(getattr(view, "label_columns", None) or {})}


class HistoryView(BaseView):
    """A record's history page (no menu entry: reached from the record and the audit log)."""

    route_base = "/history"
    default_view = "record"

    @expose("/<entity_type>/<entity_id>/")
    def record(self, entity_type: str, entity_id: str):
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login_with(request.full_path))
        model = model_for_entity(entity_type)
        if model is None or len(entity_id) > 100:
            abort(404)
        if not may_read_history(model, entity_id):
            abort(403)
        page = max(request.args.get("page", default=0, type=int) or 0, 0)
        view = screen_for(model)
        entries = record_history(
            db.session,
            entity_type,
            entity_id,
            limit=HISTORY_PAGE_SIZE + 1,
            offset=page * HISTORY_PAGE_SIZE,
            labels=_labels(view),
        )
        record_url = None
        if view is not None and may_read_record(view, entity_id):
            record_url = url_for(f"{view.endpoint}.show", pk=entity_id)
        return self.render_template(
            "mssp/history/page.html",
            title=f"History of {entity_type.replace('_', ' ')} {entity_id}",
            entries=entries[:HISTORY_PAGE_SIZE],
            page=page,
            has_more=len(entries) > HISTORY_PAGE_SIZE,
            record_url=record_url,
        )


def install_history_globals(app: Any) -> None:
    app.jinja_env.globals.update(
        record_history_tab=record_history_tab, audit_when=audit_when, audit_history_url=history_url
    )


def register_history_views(appbuilder: AppBuilder) -> None:
    """The history page and the show pages' tab."""
    appbuilder.add_view_no_menu(HistoryView)
    install_history_globals(current_app)  # registration runs inside the app's context


__all__ = ["HistoryEntry", "HistoryView", "register_history_views", "record_history_tab"]
