"""dashboard performance: license_pools.assigned_seats, and each client's all-time revenue

The licenses chart and the "pools above 90 %" headline summed 200k assignments of
10k pools on every request (~130 ms). The seat rules (`app.services.licensing`)
now keep the sum on the pool in the same transaction as each assignment change;
this back-fills it.

`dash_client_revenue_total` (derived data, kept by the client-revenue rollup) bounds
what a client can have earned in any range: a long custom range ranks the few hundred
clients with the most revenue instead of summing 500k client-months. Back-filled from
the monthly rollup, so that both stay in step.

Revision ID: 0013_dash_perf
Revises: 0014_list_indexes
Create Date: 2026-11-25 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0013_dash_perf'
down_revision = '0014_list_indexes'
branch_labels = None
depends_on = None

#: Frozen here (not imported): seats held by pending, active and suspended assignments.
SEATS_BACK_FILL = """
    UPDATE license_pools p SET assigned_seats = held.seats
    FROM (
        SELECT license_pool_id, sum(assigned_seats) AS seats FROM client_licenses
        WHERE status IN ('active', 'pending', 'suspended') GROUP BY license_pool_id
    ) held
    WHERE held.license_pool_id = p.id"""
TOTALS_BACK_FILL = """
    INSERT INTO dash_client_revenue_total (currency, client_id, revenue)
    SELECT currency, client_id, sum(revenue) FROM dash_client_revenue_monthly GROUP BY 1, 2"""


def upgrade():
    op.add_column(
        'license_pools',
        sa.Column('assigned_seats', sa.Integer(), server_default=sa.text('0'), nullable=False),
    )
    op.execute(SEATS_BACK_FILL)
    op.create_table(
        'dash_client_revenue_total',
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('client_id', sa.Uuid(), nullable=False),
        sa.Column('revenue', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.PrimaryKeyConstraint('currency', 'client_id', name=op.f('pk_dash_client_revenue_total')),
    )
    op.create_index(
        'ix_dash_client_revenue_total_rank', 'dash_client_revenue_total', ['currency', 'revenue']
    )
    op.execute(TOTALS_BACK_FILL)
    # Planner statistics now: the ranking reads it by its index only when it knows its size.
    op.execute("ANALYZE dash_client_revenue_total")


def downgrade():
    op.drop_index('ix_dash_client_revenue_total_rank', table_name='dash_client_revenue_total')
    op.drop_table('dash_client_revenue_total')
    op.drop_column('license_pools', 'assigned_seats')
