"""The audit log screen (menu "Audit Log"): every recorded change and security event.

Read-only by construction: only the list, show, CSV export and the user picker's
options are routed (`include_route_methods`), so no add/edit/delete URL exists and
FAB creates no create/edit/delete permission that a role could be given; the
database refuses UPDATE and DELETE anyway (migration 0003). Needs can_read on
"AuditEvent" (Admin, Manager; see app.services.accounts.roles).

Filters: user (picker or email text), action, operation, entity type and id, source,
request id and date range, from the list's search form; the CSV export takes the
same filters. The newest first, on the `occurred_at` index; the count is capped.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from app.models.audit import AuditEvent
from app.services.audit.history import describe
from app.services.audit.policy import model_for_entity
from app.views.history import history_url
from app.web.base import MsspModelView
from app.web.datamodel import MsspSQLAInterface
from app.web.display import audit_when, pretty_json
from app.web.labels import LABELS

AUDIT_LABELS = {
    "occurred_at": "When (UTC)",
    "actor": "User",
    "actor_email": "Who",
    "action": "Action",
    "operation": "Operation",
    "entity_type": "Entity",
    "entity_id": "Record id",
    "source": "Source",
    "ip": "IP address",
    "request_id": "Request id",
    "changes": "Changes",
}


class AuditLogView(MsspModelView):
    datamodel = MsspSQLAInterface(AuditEvent)
    class_permission_name = "AuditEvent"
    include_route_methods = {"list", "show", "export_csv", "related_options"}
    entity_label = "audit log"
    list_title = "Audit Log"
    show_title = "Audit event"
    label_columns = {**LABELS, **AUDIT_LABELS}
    list_columns = ["occurred_at", "actor_email", "action", "entity_type", "entity_id", "source", "ip"]
    show_columns = [
        "occurred_at",
        "actor_email",
        "source",
        "ip",
        "request_id",
        "action",
        "operation",
        "entity_type",
        "entity_id",
        "changes",
    ]
    search_columns = [
        "occurred_at",
        "actor",
        "actor_email",
        "action",
        "operation",
        "entity_type",
        "entity_id",
        "source",
        "request_id",
    ]
    order_columns = ["occurred_at", "actor_email", "action", "entity_type", "source"]
    base_order = ("occurred_at", "desc")
    export_columns = [
        "occurred_at",
        "actor_email",
        "actor_user_id",
        "source",
        "ip",
        "request_id",
        "action",
        "operation",
        "entity_type",
        "entity_id",
        "changes",
    ]
    page_size = 50
    # No add/edit routes exist; FAB still builds their forms, from these columns.
    add_columns = edit_columns = ["action"]

    def display_value(self, item: Any, column: str, *, in_list: bool = True) -> str | Markup:
        if column == "occurred_at":
            return audit_when(item.occurred_at)
        linked = item.entity_id and item.entity_type and model_for_entity(item.entity_type)
        if column == "entity_id" and linked:
            url = history_url(item.entity_type, item.entity_id)
            return Markup('<a href="{}" title="History of this record">{}</a>').format(url, item.entity_id)
        if column == "changes" and not in_list:
            return self._changes_markup(item)
        return super().display_value(item, column, in_list=in_list)

    def _changes_markup(self, item: AuditEvent) -> Markup:
        if not item.changes:
            return Markup("")
        model = model_for_entity(item.entity_type) if item.entity_type else None
        [entry] = describe(self.datamodel.session, [item], dict(self.label_columns))
        if not entry.lines or model is None:
            return Markup("<pre>{}</pre>").format(pretty_json(item.changes))
        rows = Markup("").join(
            Markup("<li><strong>{}</strong>: {}</li>").format(line.label, _line_text(line))
            for line in entry.lines
        )
        return Markup('<ul class="list-unstyled">{}</ul>').format(rows)

    def export_value(self, item: Any, column: str) -> str:
        if column == "occurred_at":
            return item.occurred_at.isoformat() if item.occurred_at else ""
        if column == "changes":
            return pretty_json(item.changes) if item.changes else ""
        if column in ("source", "operation"):
            value = getattr(item, column)
            return value.value if value is not None else ""
        return super().export_value(item, column)


def _line_text(line: Any) -> str:
    if line.kind == "collection":
        parts = []
        if line.added:
            parts.append("+ " + ", ".join(line.added))
        if line.removed:
            parts.append("- " + ", ".join(line.removed))
        return "; ".join(parts)
    if line.kind == "detail":
        return _text(line.new)
    if line.masked:
        return "changed (hidden)"
    return f"{_text(line.old)} → {_text(line.new)}"


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


def register_audit_views(appbuilder: Any) -> None:
    """The audit log (its own menu entry, after the business menus) and the history pages."""
    from app.views.history import register_history_views

    appbuilder.add_view(AuditLogView, "Audit Log", icon="fa-clipboard-list")
    register_history_views(appbuilder)
