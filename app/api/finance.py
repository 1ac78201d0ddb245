"""/api/v1/financial_transaction/ (account managers: their assigned clients' rows only)."""

from __future__ import annotations

from app.models.finance import FinancialTransaction
from app.web.datamodel import MsspSQLAInterface
from app.web.rest import MsspModelRestApi
from app.web.row_filters import FilterAssignedClients


class FinancialTransactionApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(FinancialTransaction)
    resource_name = "financial_transaction"
    base_filters = [["client_id", FilterAssignedClients, "FinancialTransaction"]]
    list_columns = [
        "id",
        "transaction_date",
        "transaction_type",
        "amount",
        "currency",
        "status",
        "description",
        "client_id",
        "client.company_name",
        "contract_id",
        "version",
    ]
    search_columns = ["transaction_date", "transaction_type", "status", "client", "description"]
    base_order = ("transaction_date", "desc")
