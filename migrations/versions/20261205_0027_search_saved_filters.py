"""saved list filters (issue 18.5)

`saved_filter`: a list's URL arguments (filters, quick search, sort) under a name, owned by
a person (gone with them: CASCADE), shown to them only or shared with everyone who may
read that list. A name is unique per owner and list.

Revision ID: 0027_search_saved_filters
Revises: 0026_sync_metric_labels
Create Date: 2026-12-05 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0027_search_saved_filters'
down_revision = '0026_sync_metric_labels'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_filter',
        sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('view_name', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('query_string', sa.String(length=2000), server_default='', nullable=False),
        sa.Column('shared', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint('char_length(btrim(name)) > 0', name=op.f('ck_saved_filter_name_not_blank')),
        sa.ForeignKeyConstraint(['owner_id'], ['ab_user.id'], name=op.f('fk_saved_filter_owner_id_ab_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filter')),
        sa.UniqueConstraint('owner_id', 'view_name', 'name', name=op.f('uq_saved_filter_owner_id_view_name_name')),
    )
    op.create_index('ix_saved_filter_owner_id', 'saved_filter', ['owner_id'], unique=False)
    op.create_index('ix_saved_filter_view_name', 'saved_filter', ['view_name'], unique=False)


def downgrade():
    op.drop_index('ix_saved_filter_view_name', table_name='saved_filter')
    op.drop_index('ix_saved_filter_owner_id', table_name='saved_filter')
    op.drop_table('saved_filter')
