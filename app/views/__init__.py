"""Every view and blueprint is registered from here, never at import time."""

from __future__ import annotations

from flask import Flask
from flask_appbuilder import AppBuilder

#: FAB's security category, shown as "Admin": these entries first (name -> label) ...
ADMIN_CATEGORY = "Security"
ADMIN_ENTRIES = {"List Users": "Users", "Role Permissions": "Roles", "API Tokens": "API Tokens",
                 "Custom Fields": "Custom Fields"}
#: ... and FAB's low-level screens out of the menu (still reachable by URL, admin-only; the
#: Roles matrix links FAB's own role list as "Advanced").
HIDDEN_ADMIN_ENTRIES = frozenset(
    {"-", "List Roles", "List Groups", "User's Statistics", "User Registrations", "Base Permissions",
     "Views/Menus", "Permission on Views/Menus"}
)


def register_views(app: Flask, appbuilder: AppBuilder) -> None:
    from app.views.alerts import register_alert_views
    from app.views.api_tokens import register_api_token_views
    from app.views.audit_log import register_audit_views
    from app.views.dashboards import register_dashboard_views
    from app.views.health import health_blueprint
    from app.views.integrations import register_integration_views
    from app.views.reports import register_report_views
    from app.views.roles import register_role_views
    from app.views.saved_filters import register_saved_filter_views
    from app.views.search import register_search_views
    from app.views.site import site_blueprint
    from app.web.error_handlers import register_error_handlers
    from app.web.permissions import install_template_filters
    from app.web.translations import install_template_translations

    app.register_blueprint(health_blueprint)
    app.register_blueprint(site_blueprint)
    register_error_handlers(app)
    install_template_filters(app)
    install_template_translations(app)
    register_domain_views(appbuilder)
    # Other screens (dashboards, integrations) register here, one line each.
    register_dashboard_views(appbuilder)
    register_integration_views(appbuilder)
    register_alert_views(app, appbuilder)
    register_audit_views(appbuilder)
    register_api_token_views(appbuilder)
    register_report_views(appbuilder)
    register_search_views(appbuilder)
    register_saved_filter_views(appbuilder)
    register_role_views(appbuilder, ADMIN_CATEGORY)
    finish_menu(appbuilder)


def register_domain_views(appbuilder: AppBuilder) -> None:
    """The screens of every seed entity, grouped in the menus of issue 4."""
    from app.views.catalog import ServiceView
    from app.views.clients import ClientView
    from app.views.contracts import ContractView, ProposalView, ServiceScopeView
    from app.views.custom_fields import CustomFieldView
    from app.views.finance import TransactionView
    from app.views.hardware import HardwareAssetView, HardwareAssignmentView
    from app.views.licensing import ClientLicenseView, LicensePoolView
    from app.views.metrics import ServiceMetricView, SLAMetricView, SnapshotView, TicketView
    from app.views.reconciliation import ReconciliationFindingView, ReconciliationLineView
    from app.views.team import TeamAssignmentView

    # Related views (the client hub's tabs) must be registered before the view using them.
    add = appbuilder.add_view
    add(ProposalView, "Proposals", icon="fa-file-signature", category="Sales", category_icon="fa-handshake")
    add(ServiceScopeView, "Service Scopes", icon="fa-list-check", category="Contracts & Services",
        category_icon="fa-file-contract")
    add(ContractView, "Contracts", icon="fa-file-contract", category="Contracts & Services")
    add(ServiceView, "Service Catalog", icon="fa-book", category="Contracts & Services")
    add(ClientLicenseView, "Client Licenses", icon="fa-id-card", category="Licenses & Assets",
        category_icon="fa-boxes-stacked")
    add(LicensePoolView, "License Pools", icon="fa-key", category="Licenses & Assets")
    add(HardwareAssignmentView, "Hardware Assignments", icon="fa-truck", category="Licenses & Assets")
    add(HardwareAssetView, "Hardware", icon="fa-server", category="Licenses & Assets")
    add(TransactionView, "Transactions", icon="fa-money-bill", category="Finance", category_icon="fa-coins")
    add(ReconciliationFindingView, "Reconciliation", icon="fa-scale-balanced", category="Finance")
    add(ReconciliationLineView, "Reconciliation Lines", icon="fa-list-ol", category="Finance")
    add(TeamAssignmentView, "Team Assignments", icon="fa-people-group", category="Team",
        category_icon="fa-users")
    add(SLAMetricView, "SLA Metrics", icon="fa-gauge", category="Operations", category_icon="fa-chart-line")
    add(TicketView, "Tickets", icon="fa-ticket", category="Operations")
    add(ServiceMetricView, "Service Metrics", icon="fa-chart-area", category="Operations")
    add(SnapshotView, "Snapshots", icon="fa-camera", category="Operations")
    add(ClientView, "Clients", icon="fa-building")
    add(CustomFieldView, "Custom Fields", icon="fa-sliders", category=ADMIN_CATEGORY)
    _order_menu(appbuilder, ["Clients", "Sales", "Contracts & Services", "Licenses & Assets", "Finance",
                             "Team", "Operations"])


def _order_menu(appbuilder: AppBuilder, first: list[str]) -> None:
    menu = appbuilder.menu.menu
    ranked = {name: index for index, name in enumerate(first)}
    menu.sort(key=lambda item: ranked.get(item.name, len(first)))
    # Within a category, entries in the order of the issue (registration order differs).
    order = {
        "Contracts & Services": ["Contracts", "Service Scopes", "Service Catalog"],
        "Licenses & Assets": ["License Pools", "Client Licenses", "Hardware", "Hardware Assignments"],
    }
    for item in menu:
        if item.name in order:
            wanted = order[item.name]
            rank = {name: index for index, name in enumerate(wanted)}
            item.childs.sort(key=lambda child: rank.get(child.name, len(wanted)))


def finish_menu(appbuilder: AppBuilder) -> None:
    """FAB's "Security" menu becomes "Admin" (Users, Roles, Custom Fields), last in the bar."""
    menu = appbuilder.menu.menu
    admin = next((item for item in menu if item.name == ADMIN_CATEGORY), None)
    if admin is None:
        return
    admin.label = "Admin"
    admin.childs = [child for child in admin.childs if child.name not in HIDDEN_ADMIN_ENTRIES]
    for child in admin.childs:
        child.label = ADMIN_ENTRIES.get(child.name, child.label)
    order = list(ADMIN_ENTRIES)
    admin.childs.sort(key=lambda child: order.index(child.name) if child.name in order else len(order))
    menu.remove(admin)
    menu.append(admin)
