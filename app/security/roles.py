"""The roles of the seed, and what each may do, declared as data.

Resources are Flask-AppBuilder view-menu names. Our views collapse FAB's many
permission names to `can_read`, `can_create`, `can_edit`, `can_delete` (Airflow's
habit), so a grant reads like a sentence. `ALL_RESOURCES` ("*") stands for every
business resource in DOMAIN_RESOURCES. `flask mssp init` applies this table to the
database; it is authoritative for every role but Admin, which gets everything.
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

#: The business resources (view permission names and menu names) other roles may
#: be granted. Anything else FAB registers (users, roles, permissions, API keys,
#: whatever a future FAB adds) stays with Admin: unknown means admin-only.
DOMAIN_RESOURCES: frozenset[str] = frozenset(
    {
        "Client",
        "Contract",
        "ServiceScope",
        "Service",
        "Proposal",
        "LicensePool",
        "ClientLicense",
        "HardwareAsset",
        "ClientHardwareAssignment",
        "FinancialTransaction",
        "ClientTeamAssignment",
        "SLAMetric",
        "TicketSummary",
        "ServicePerformanceMetric",
        "ClientSubscriptionSnapshot",
        "Dashboard",
        # menu categories
        "Clients",
        "Sales",
        "Contracts & Services",
        "Licenses & Assets",
        "Finance",
        "Team",
        "Operations",
        "Dashboards",
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
    }
)

#: role -> {resource: actions}. Later entries for a resource widen earlier ones.
ROLE_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    MANAGER: {ALL_RESOURCES: READ},
    ACCOUNT_MANAGER: {
        ALL_RESOURCES: READ,
        "Client": FULL,
        "Contract": FULL,
        "ServiceScope": FULL,
        "Proposal": FULL,
        "ClientTeamAssignment": FULL,
        "FinancialTransaction": WRITE,
    },
    ENGINEER: {
        ALL_RESOURCES: READ,
        "LicensePool": FULL,
        "ClientLicense": FULL,
        "HardwareAsset": FULL,
        "ClientHardwareAssignment": FULL,
        "TicketSummary": WRITE,
        "SLAMetric": WRITE,
        "ServicePerformanceMetric": WRITE,
    },
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
