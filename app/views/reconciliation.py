"""Reconciliation screens: the MSSP-wide findings by money at stake, and each client's lines.

The numbers are computed by app.services.reconciliation (refreshed by the scheduler);
these screens only list them. Account managers see their clients' rows only
(app.services.accounts.roles.ROW_FILTERED), here as in the CSV export and the client hub.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import redirect, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from markupsafe import Markup
from werkzeug.routing import BuildError

from app.models.reconciliation import ReconciliationFinding, ReconciliationLine
from app.services.clock import today_utc
from app.services.reconciliation.totals import MONTH_FILTER_ARG, revenue_at_risk_of
from app.web.base import MsspModelView, can_read
from app.web.datamodel import MsspSQLAInterface
from app.web.display import format_value
from app.web.row_filters import FilterAssignedClients

RECORD_LINKS_LABEL = "Records behind it"


def _link(endpoint: str, label: str, **args: Any) -> Markup | None:
    try:
        url = url_for(endpoint, **args)
    except BuildError:
        return None
    return Markup('<a href="{}">{}</a>').format(url, label)


def record_links(row: ReconciliationFinding | ReconciliationLine) -> Markup:
    """Links to the records a line or finding was computed from, where the person may read them."""
    links = []
    first = row.month
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    # FAB's date filters are strict: after the day before the month, before the next month.
    after, before = (first - timedelta(days=1)).isoformat(), following.isoformat()
    if can_read("FinancialTransaction"):
        args = (
            {"_flt_0_service_scope": str(row.service_scope_id)}
            if row.service_scope_id
            else {"_flt_0_client": str(row.client_id)}
        )
        links.append(
            _link(
                "TransactionView.list",
                "transactions",
                **args,
                _flt_1_transaction_date=after,
                _flt_2_transaction_date=before,
            )
        )
    if can_read("ServicePerformanceMetric"):
        links.append(
            _link(
                "ServiceMetricView.list",
                "metric points",
                _flt_0_client=str(row.client_id),
                _flt_0_service=str(row.service_id),
                _flt_1_timestamp=after,
                _flt_2_timestamp=before,
            )
        )
    if can_read("ClientLicense"):
        links.append(_link("ClientLicenseView.list", "licenses", _flt_0_client=str(row.client_id)))
    if row.contract_id is None and can_read("Contract"):
        links.append(_link("ContractView.list", "contracts", _flt_0_client=str(row.client_id)))
    return Markup(", ").join(link for link in links if link is not None)


class ReconciliationFindingView(MsspModelView):
    """Every finding, the most money at stake first; a month at a time (this month by default)."""

    datamodel = MsspSQLAInterface(ReconciliationFinding)
    entity_label = "finding"
    list_title = "Reconciliation findings"
    show_title = "Reconciliation finding"
    list_template = "mssp/reconciliation/findings.html"
    base_permissions = ["can_read"]
    #: Computed rows: nobody adds or edits them (no create/edit permission exists); FAB still
    #: builds the forms, so they get one harmless column.
    add_columns = edit_columns = ["month"]
    base_filters = [["client_id", FilterAssignedClients, "ReconciliationFinding"]]
    list_columns = ["month", "kind", "client", "service", "service_scope", "value", "detail", "records"]
    export_columns = [
        "month",
        "kind",
        "client",
        "service",
        "contract",
        "service_scope",
        "quantity",
        "value",
        "currency",
        "is_revenue",
        "first_month",
        "detail",
    ]
    search_columns = ["month", "kind", "client", "service", "currency", "is_revenue"]
    order_columns = ["month", "kind", "value"]
    order_aliases = {"client": "client.company_name"}
    base_order = ("value", "desc")
    show_fieldsets = [
        (
            "Finding",
            {"fields": ["kind", "value", "quantity", "detail", "is_revenue", "month", "first_month"]},
        ),
        ("About", {"fields": ["client", "service", "contract", "service_scope", "line", "records"]}),
    ]
    label_columns = {
        "month": "Month",
        "kind": "Finding",
        "value": "Money at stake",
        "quantity": "Quantity",
        "detail": "How it was computed",
        "is_revenue": "Revenue at risk",
        "first_month": "Found since",
        "line": "Reconciliation line",
        "records": RECORD_LINKS_LABEL,
        "client": "Client",
        "service": "Service",
        "contract": "Contract",
        "service_scope": "Service scope",
        "currency": "Currency",
    }

    def display_value(self, item: Any, column: str, *, in_list: bool = True) -> str | Markup:
        if column == "records":
            return record_links(item)
        if column == "kind":
            return item.kind.label
        if column in ("month", "first_month"):
            return f"{getattr(item, column):%b %Y}"
        return super().display_value(item, column, in_list=in_list)

    def export_value(self, item: Any, column: str) -> str:
        if column == "kind":
            return item.kind.label
        if column in ("month", "first_month"):
            return f"{getattr(item, column):%Y-%m}"
        if column == "value":
            return f"{item.value:.2f}"
        return super().export_value(item, column)

    @expose("/list/")
    @has_access
    def list(self):
        # Without a filter the page is this month's: the dashboard tile's figure, listed.
        if not any(key.startswith("_flt_") for key in request.args):
            month = today_utc().replace(day=1)
            return redirect(url_for(f"{self.endpoint}.list", **{MONTH_FILTER_ARG: month.isoformat()}))
        return super().list()

    def render_template(self, template: str, **kwargs: Any) -> Any:
        if template == self.list_template:
            joined = self._filters.get_joined_filters(self._base_filters)
            query = self.datamodel.apply_all(self.datamodel.session.query(self.datamodel.obj), joined, "", "")
            kwargs.setdefault("revenue_at_risk", revenue_at_risk_of(query))
        return super().render_template(template, **kwargs)


class ReconciliationLineView(MsspModelView):
    """A client's reconciliation: one line per scope and month, the latest month first (the hub tab)."""

    datamodel = MsspSQLAInterface(ReconciliationLine)
    entity_label = "reconciliation line"
    list_title = "Reconciliation"
    show_title = "Reconciliation line"
    base_permissions = ["can_read"]
    add_columns = edit_columns = ["month"]
    base_filters = [["client_id", FilterAssignedClients, "ReconciliationLine"]]
    list_columns = [
        "month",
        "service",
        "service_scope",
        "entitled_quantity",
        "entitled_value",
        "assigned_seats",
        "deployed",
        "billed",
        "cost",
        "findings",
        "money_at_stake",
    ]
    search_columns = ["month", "client", "service", "currency"]
    order_columns = ["month", "money_at_stake", "entitled_value", "billed"]
    base_order = ("month", "desc")
    related_views = [ReconciliationFindingView]
    show_fieldsets = [
        ("Line", {"fields": ["month", "client", "service", "contract", "service_scope"]}),
        ("Entitled", {"fields": ["entitled_quantity", "unit", "unit_price", "entitled_value", "allowance"]}),
        (
            "Deployed and billed",
            {
                "fields": ["assigned_seats", "deployed", "billed", "cost", "notes", "records"],
            },
        ),
        ("Findings", {"fields": ["findings", "money_at_stake", "computed_at"]}),
    ]
    label_columns = {
        "month": "Month",
        "client": "Client",
        "service": "Service",
        "contract": "Contract",
        "service_scope": "Service scope",
        "entitled_quantity": "Entitled",
        "unit": "Unit",
        "unit_price": "Unit price",
        "entitled_value": "Entitled value",
        "allowance": "Allowance",
        "assigned_seats": "Seats",
        "deployed": "Deployed",
        "billed": "Billed",
        "cost": "Cost",
        "notes": "Notes",
        "findings": "Findings",
        "money_at_stake": "Money at stake",
        "computed_at": "Computed",
        "records": RECORD_LINKS_LABEL,
    }

    def display_value(self, item: Any, column: str, *, in_list: bool = True) -> str | Markup:
        if column == "records":
            return record_links(item)
        if column == "month":
            return f"{item.month:%b %Y}"
        if column == "deployed" and item.deployed is None:
            return "not measured"
        if column == "findings":
            return "; ".join(f"{f.kind.label} {f.value:,.2f} {f.currency}" for f in item.findings) or "none"
        if column == "money_at_stake":
            return f"{item.money_at_stake:,.2f} {item.currency}"
        return super().display_value(item, column, in_list=in_list)

    def export_value(self, item: Any, column: str) -> str:
        if column == "findings":
            return "; ".join(f"{f.kind.label} {f.value:.2f} {f.currency}" for f in item.findings)
        if column == "deployed" and item.deployed is None:
            return ""
        if column not in self.datamodel.list_properties:
            return format_value(item, column)
        return super().export_value(item, column)
