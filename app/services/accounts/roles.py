"""The roles of the seed, and what each may do, declared as data.

Resources are Flask-AppBuilder view-menu names. Our views and APIs collapse FAB's many
permission names to `can_read`, `can_create`, `can_edit`, `can_delete` (Airflow's
habit) and share one resource per entity (the screen and the REST API of clients are
both "Client"), so a grant reads like a sentence. `flask mssp init` applies this table:
it adds what is missing and never undoes an admin's change; `--reset-roles` makes the
built-in roles exactly this table again. Admin gets everything.

Menus follow the screens: a role sees a menu entry when it may read the screen behind
it, and a menu category when it sees one of its entries (app.security.sync derives
these `menu_access` grants from the live menu).
"""

from __future__ import annotations

READ = frozenset({"can_read", "menu_access"})
CREATE = frozenset({"can_create"})
EDIT = frozenset({"can_edit"})
DELETE = frozenset({"can_delete"})
WRITE = READ | CREATE | EDIT
FULL = WRITE | DELETE

#: In a grant, stands for every resource of DOMAIN_RESOURCES.
ALL_RESOURCES = "*"

ADMIN = "Admin"
MANAGER = "Manager"
ACCOUNT_MANAGER = "Account Manager"
ENGINEER = "Engineer"

#: Clients and what is sold to them.
CLIENT_RESOURCES = ("Client", "Contract", "ServiceScope", "Proposal")
#: The service catalog.
CATALOG_RESOURCES = ("Service",)
#: License pools, hardware and their assignments to clients.
ASSET_RESOURCES = ("LicensePool", "ClientLicense", "HardwareAsset", "ClientHardwareAssignment")
#: Money: transactions, and the reconciliation's lines and findings (app.services.reconciliation).
FINANCE_RESOURCES = ("FinancialTransaction", "ReconciliationLine", "ReconciliationFinding")
TEAM_RESOURCES = ("ClientTeamAssignment",)
#: SLA results, tickets, service metrics, snapshots.
OPERATIONS_RESOURCES = (
    "SLAMetric",
    "TicketSummary",
    "ServicePerformanceMetric",
    "ClientSubscriptionSnapshot",
)
DASHBOARD_RESOURCES = ("Dashboard", "Dashboards")
#: Client service reports (issue 21): the reports, their schedules, their e-mails, the batches.
REPORT_RESOURCES = ("ClientReport", "ReportSchedule", "ClientReportDelivery", "ReportBatch")
#: The audit log screen and the `audit_event` API (read-only; Manager reads through "*").
AUDIT_RESOURCES = ("AuditEvent",)

#: The business resources (view permission names and menu names) other roles may
#: be granted. Anything else FAB registers (users, roles, permissions, custom fields,
#: data sources, whatever a future FAB adds) stays with Admin: unknown means admin-only.
DOMAIN_RESOURCES: frozenset[str] = frozenset(
    {
        *CLIENT_RESOURCES,
        *CATALOG_RESOURCES,
        *ASSET_RESOURCES,
        *FINANCE_RESOURCES,
        *TEAM_RESOURCES,
        *OPERATIONS_RESOURCES,
        *DASHBOARD_RESOURCES,
        *AUDIT_RESOURCES,
        *REPORT_RESOURCES,
    }
)

#: What every signed-in person may do to their own account.
SELF_SERVICE = frozenset(
    {
        ("can_userinfo", "MsspUserView"),
        ("resetmypassword", "MsspUserView"),
        ("userinfoedit", "MsspUserView"),
        ("can_this_form_get", "ResetMyPasswordView"),
        ("can_this_form_post", "ResetMyPasswordView"),
        ("can_this_form_get", "UserInfoEditView"),
        ("can_this_form_post", "UserInfoEditView"),
        # Their own alerts (the bell, the list, mark read, muted kinds): app.views.alerts.
        ("can_read", "Alert"),
        ("can_edit", "Alert"),
        # Their own API tokens (the profile's "My API tokens", /api/v1/api_token/); everyone's
        # tokens are "ApiTokenAdmin", Admin only.
        ("can_read", "ApiToken"),
        ("can_create", "ApiToken"),
        ("can_delete", "ApiToken"),
        # The global search (each result group still needs read on its own screen).
        ("can_read", "Search"),
        # Their own saved list filters (each list still needs its own read permission).
        ("can_create", "SavedFilter"),
        ("can_delete", "SavedFilter"),
    }
)


def _each(resources: tuple[str, ...], actions: frozenset[str]) -> dict[str, frozenset[str]]:
    return {resource: actions for resource in resources}


#: role -> {resource: actions}. Later entries for a resource widen earlier ones.
ROLE_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    MANAGER: {
        ALL_RESOURCES: READ,
        **_each(TEAM_RESOURCES, READ | EDIT),
    },
    ACCOUNT_MANAGER: {
        **_each(CLIENT_RESOURCES, WRITE),
        **_each(CATALOG_RESOURCES, READ),
        **_each(ASSET_RESOURCES, READ),
        # Only the rows of the clients they are assigned to: see ROW_FILTERED.
        **_each(FINANCE_RESOURCES, READ),
        **_each(TEAM_RESOURCES, READ),
        **_each(OPERATIONS_RESOURCES, READ),
        **_each(DASHBOARD_RESOURCES, READ),
        # Their clients' reports only (ROW_FILTERED): notes and approval are edits.
        "ClientReport": READ | EDIT,
        "ReportSchedule": FULL,
        "ClientReportDelivery": READ,
        "ReportBatch": READ,
    },
    ENGINEER: {
        **_each(CLIENT_RESOURCES, READ),
        **_each(CATALOG_RESOURCES, READ),
        **_each(ASSET_RESOURCES, WRITE),
        **_each(TEAM_RESOURCES, READ),
        **_each(OPERATIONS_RESOURCES, READ),
        **_each(DASHBOARD_RESOURCES, READ),
    },
}

#: role -> resources it reads only for the clients its people are assigned to
#: (ClientTeamAssignment). Applied as a row filter in the screens and the API.
ROW_FILTERED: dict[str, frozenset[str]] = {
    ACCOUNT_MANAGER: frozenset(
        {*FINANCE_RESOURCES, "ClientReport", "ReportSchedule", "ClientReportDelivery"}
    ),
}

#: role -> resources it *bulk-edits* only for the clients its people are assigned to (the
#: others of a selection are refused with the reason; app.web.bulk_edit).
EDIT_ROW_FILTERED: dict[str, frozenset[str]] = {
    ACCOUNT_MANAGER: frozenset(CLIENT_RESOURCES),
}

ROLE_NAMES = (ADMIN, MANAGER, ACCOUNT_MANAGER, ENGINEER)


def granted(role: str, permission: str, resource: str) -> bool:
    """Whether the declared table grants `permission` on `resource` to `role`."""
    if role == ADMIN:
        return True
    if (permission, resource) in SELF_SERVICE:
        return True
    if resource not in DOMAIN_RESOURCES:
        return False
    grants = ROLE_GRANTS.get(role, {})
    actions = grants.get(resource, frozenset()) | grants.get(ALL_RESOURCES, frozenset())
    return permission in actions
