"""dashboard rollups: each client's revenue per month and currency; covering revenue and renewal indexes

`dash_client_revenue_monthly` (derived data, no foreign keys) lets a custom date range
rank clients by revenue from whole months, with only the partial edge months summed
from `financial_transactions`, which the covering partial index
`ix_financial_transactions_revenue_by_day` serves without touching the table. The
rollup is built on the first `refresh_rollups()` after the upgrade (until then the
ranking sums the transactions, as before). `ix_contracts_active_by_end_date` makes the
renewals timeline and the contracts-ending counts index-only scans. The downgrade drops
all of it, and the rollup's refresh state, so that an upgrade again rebuilds it in full.

Revision ID: 0010_dashboard_rollups
Revises: 0007
Create Date: 2026-11-25 18:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_dashboard_rollups"
down_revision = "0007"
branch_labels = None
depends_on = None

REVENUE_ROWS = sa.text("transaction_type LIKE 'revenue%' AND status <> 'cancelled'")
ACTIVE = sa.text("status = 'active'")


def upgrade():
    op.create_table(
        "dash_client_revenue_monthly",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.PrimaryKeyConstraint(
            "client_id", "month", "currency", name=op.f("pk_dash_client_revenue_monthly")
        ),
    )
    op.create_index("ix_dash_client_revenue_monthly_month", "dash_client_revenue_monthly", ["month"])
    # No state: the next refresh builds the rollup in full (a state left by an earlier
    # upgrade and downgrade would make it read an empty table as complete).
    op.execute("DELETE FROM dash_rollup_state WHERE name = 'client_revenue'")
    op.create_index(
        "ix_contracts_active_by_end_date",
        "contracts",
        ["end_date"],
        postgresql_include=["currency", "value", "client_id"],
        postgresql_where=ACTIVE,
    )
    op.create_index(
        "ix_financial_transactions_revenue_by_day",
        "financial_transactions",
        ["transaction_date"],
        postgresql_include=["client_id", "currency", "amount"],
        postgresql_where=REVENUE_ROWS,
    )


def downgrade():
    op.drop_index(
        "ix_financial_transactions_revenue_by_day",
        table_name="financial_transactions",
        postgresql_where=REVENUE_ROWS,
    )
    op.drop_index("ix_contracts_active_by_end_date", table_name="contracts", postgresql_where=ACTIVE)
    op.drop_index("ix_dash_client_revenue_monthly_month", table_name="dash_client_revenue_monthly")
    op.drop_table("dash_client_revenue_monthly")
    op.execute("DELETE FROM dash_rollup_state WHERE name = 'client_revenue'")
