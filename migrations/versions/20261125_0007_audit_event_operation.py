"""audit event operation: what a recorded change did to its row (create, update, delete)

The audit trail of every change (app/services/audit/capture.py) names the action a
person took ("update", or a lifecycle action like "archive", "renew") in `action`;
`operation` keeps what happened to the row, so "renew" on a new contract reads as a
creation. NULL for events that change no record (logins, permission denials).

Revision ID: 0007
Revises: 0008
Create Date: 2026-11-25 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operation', sa.String(length=6), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_audit_event_audit_operation'), "operation IN ('create', 'update', 'delete')"
        )


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_event_audit_operation'), type_='check')
        batch_op.drop_column('operation')
