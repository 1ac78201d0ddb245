"""text sorts ignoring case; a person's time zone

Lists sort text columns by `lower(column)` (app.web.datamodel). Where a list of a big table
sorts by a text column by default, an expression index serves that order: clients by company
name (also the contracts list sorted by client), hardware assets by asset tag, license pools
by vendor. `ab_user.time_zone` is the IANA zone a person reads and types times in (UTC by
default).

Revision ID: 0030_lists_sort_time_zone
Revises: 0029_queue_procrastinate
Create Date: 2026-12-05 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0030_lists_sort_time_zone'
down_revision = '0029_queue_procrastinate'
branch_labels = None
depends_on = None

#: (index, table, column): `lower(column)`.
LOWER_INDEXES = (
    ('ix_clients_company_name_lower', 'clients', 'company_name'),
    ('ix_hardware_assets_asset_tag_lower', 'hardware_assets', 'asset_tag'),
    ('ix_license_pools_vendor_lower', 'license_pools', 'vendor'),
)


def upgrade():
    for index, table, column in LOWER_INDEXES:
        op.create_index(index, table, [sa.text(f'lower({column})')], unique=False)
    op.add_column(
        'ab_user',
        sa.Column('time_zone', sa.String(length=64), server_default=sa.text("'UTC'"), nullable=False),
    )


def downgrade():
    op.drop_column('ab_user', 'time_zone')
    for index, table, _column in LOWER_INDEXES:
        op.drop_index(index, table_name=table)
