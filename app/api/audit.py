"""/api/v1/audit_event/: the audit trail, read-only (GET list with filters, GET one, _info).

Only the read routes are registered (`include_route_methods`): POST, PUT and DELETE
answer 405 and FAB creates no write permission for a role to hold. Needs can_read on
"AuditEvent" (Admin and Manager). Filters use FAB's rison syntax, for example
`?q=(filters:!((col:entity_type,opr:eq,value:contract),(col:occurred_at,opr:gt,value:'2026-01-01')))`.
"""

from __future__ import annotations

from app.models.audit import AuditEvent
from app.web.datamodel import MsspSQLAInterface
from app.web.rest import MsspModelRestApi

AUDIT_EVENT_COLUMNS = [
    "id",
    "occurred_at",
    "actor_user_id",
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


class AuditEventApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(AuditEvent)
    resource_name = "audit_event"
    class_permission_name = "AuditEvent"
    include_route_methods = {"get_list", "get", "info"}
    list_columns = AUDIT_EVENT_COLUMNS
    show_columns = AUDIT_EVENT_COLUMNS
    # Writes are not routed; FAB still wants the column lists to build its schemas.
    add_columns = ["action"]
    edit_columns = ["action"]
    search_columns = [
        "occurred_at",
        "actor_user_id",
        "actor_email",
        "source",
        "request_id",
        "action",
        "operation",
        "entity_type",
        "entity_id",
    ]
    order_columns = ["occurred_at", "actor_email", "action", "entity_type", "source"]
    base_order = ("occurred_at", "desc")
    page_size = 50
    max_page_size = 500


def register_audit_api(appbuilder) -> None:  # type: ignore[no-untyped-def]
    appbuilder.add_api(AuditEventApi)
