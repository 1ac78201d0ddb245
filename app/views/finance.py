"""Finance: revenue and cost transactions.

Account managers see only the transactions of clients they are assigned to
(app.services.accounts.roles.ROW_FILTERED), here as in the API and the client hub.
"""

from __future__ import annotations

from app.models.finance import FinancialTransaction
from app.web.base import MsspModelView
from app.web.datamodel import MsspSQLAInterface
from app.web.labels import AUDIT_FIELDSET
from app.web.row_filters import FilterAssignedClients, current_user


class TransactionView(MsspModelView):
    datamodel = MsspSQLAInterface(FinancialTransaction)
    entity_label = "transaction"
    list_title = "Transactions"
    show_title = "Transaction"
    add_title = "Record a transaction"
    edit_title = "Edit transaction"
    base_filters = [["client_id", FilterAssignedClients, "FinancialTransaction"]]
    list_columns = ["transaction_date", "transaction_type", "client", "description", "amount", "status"]
    search_columns = [
        "transaction_date", "transaction_type", "status", "client", "service_scope", "description"
    ]
    order_aliases = {"client": "client.company_name"}
    base_order = ("transaction_date", "desc")
    add_columns = [
        "transaction_type",
        "amount",
        "currency",
        "transaction_date",
        "status",
        "description",
        "client",
        "contract",
        "service_scope",
        "license_pool",
        "hardware_asset",
    ]
    edit_columns = add_columns
    show_fieldsets = [
        (
            "Transaction",
            {
                "fields": [
                    "transaction_type",
                    "amount",
                    "transaction_date",
                    "status",
                    "description",
                    "recorded_by",
                ]
            },
        ),
        ("About", {"fields": ["client", "contract", "service_scope", "license_pool", "hardware_asset"]}),
        AUDIT_FIELDSET,
    ]

    def pre_add(self, item: FinancialTransaction) -> None:
        if item.recorded_by_id is None and item.recorded_by is None:
            user = current_user()
            item.recorded_by_id = getattr(user, "id", None)
