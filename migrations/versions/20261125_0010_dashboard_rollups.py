"""dashboard rollups: each client's revenue per month and currency, and a covering revenue-by-day index

`dash_client_revenue_monthly` (derived data, no foreign keys) lets a custom date range
rank clients by revenue from whole months, with only the partial edge months summed
from `financial_transactions`, which the covering partial index
`ix_financial_transactions_revenue_by_day` serves without touching the table. The
rollup is built on the first `refresh_rollups()` after the upgrade (until then the
ranking sums the transactions, as before). The downgrade drops both.

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
    op.drop_index("ix_dash_client_revenue_monthly_month", table_name="dash_client_revenue_monthly")
    op.drop_table("dash_client_revenue_monthly")
