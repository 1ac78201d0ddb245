"""business rule indexes: one accepted proposal per (scope, type); one lead per client role

Race backstops for rules the services check first (app/services/proposals.py,
app/services/team.py): two requests accepting two versions, or naming two account
managers, at the same moment cannot both commit. The "one open assignment per
hardware asset" index already exists (0002).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

SINGLE_HOLDER_ROLES = "assignment_role IN ('account_manager', 'service_delivery_manager', 'lead_engineer')"


def upgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(
            'uq_proposals_one_accepted', ['service_scope_id', 'proposal_type'], unique=True,
            postgresql_where=sa.text("status = 'accepted'"),
        )
    with op.batch_alter_table('client_team_assignments', schema=None) as batch_op:
        batch_op.create_index(
            'uq_client_team_assignments_single_holder', ['client_id', 'assignment_role'], unique=True,
            postgresql_where=sa.text(SINGLE_HOLDER_ROLES),
        )


def downgrade():
    with op.batch_alter_table('client_team_assignments', schema=None) as batch_op:
        batch_op.drop_index(
            'uq_client_team_assignments_single_holder', postgresql_where=sa.text(SINGLE_HOLDER_ROLES)
        )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('uq_proposals_one_accepted', postgresql_where=sa.text("status = 'accepted'"))
