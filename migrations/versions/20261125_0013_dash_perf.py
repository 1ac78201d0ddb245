"""dashboard performance: license_pools.assigned_seats, the seats its assignments hold

The licenses chart and the "pools above 90 %" headline summed 200k assignments of
10k pools on every request (~130 ms). The seat rules (`app.services.licensing`)
now keep the sum on the pool in the same transaction as each assignment change;
this back-fills it.

Revision ID: 0013_dash_perf
Revises: 0011_list_perf
Create Date: 2026-11-25 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0013_dash_perf'
down_revision = '0011_list_perf'
branch_labels = None
depends_on = None

#: Frozen here (not imported): seats held by pending, active and suspended assignments.
BACK_FILL = """
    UPDATE license_pools p SET assigned_seats = held.seats
    FROM (
        SELECT license_pool_id, sum(assigned_seats) AS seats FROM client_licenses
        WHERE status IN ('active', 'pending', 'suspended') GROUP BY license_pool_id
    ) held
    WHERE held.license_pool_id = p.id"""


def upgrade():
    op.add_column(
        'license_pools',
        sa.Column('assigned_seats', sa.Integer(), server_default=sa.text('0'), nullable=False),
    )
    op.execute(BACK_FILL)


def downgrade():
    op.drop_column('license_pools', 'assigned_seats')
