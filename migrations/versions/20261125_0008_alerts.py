"""alerts: what fired, who got it, mutes, lead-time settings, e-mail digests; expected return dates

`alerts` holds one row per (kind, record, occurrence, level): the unique constraint
`uq_alerts_once` is what the daily evaluation inserts against (ON CONFLICT DO NOTHING),
so a second or concurrent run fires nothing twice. `alert_recipients` is each person's
copy (read or not, which digest it went in), `alert_mutes` their muted kinds,
`alert_settings` an Admin's lead times per kind (defaults live in code),
`alert_email_digests` one e-mail per person per day with its attempts and error.
`client_hardware_assignments.expected_return_date` is new: the hardware_overdue alert
needs it. Enums are VARCHAR + CHECK, so the downgrade has no types to drop.

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-25 15:57:37.918232

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('alert_email_digests',
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('digest_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='alert_digest_status', native_enum=False, create_constraint=True), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_alert_email_digests_attempts_non_negative')),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_alert_email_digests_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_email_digests')),
    sa.UniqueConstraint('user_id', 'digest_date', name=op.f('uq_alert_email_digests_user_id_digest_date'))
    )
    with op.batch_alter_table('alert_email_digests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_email_digests_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_email_digests_user_id'), ['user_id'], unique=False)

    op.create_table('alert_mutes',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('contract_renewal', 'contract_end', 'license_pool_expiry', 'client_license_expiry', 'license_pool_utilisation', 'sla_metric_breach', 'ticket_sla_breach', 'data_source_failing', 'hardware_overdue', name='alert_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_alert_mutes_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_alert_mutes'))
    )
    op.create_table('alert_settings',
    sa.Column('kind', sa.Enum('contract_renewal', 'contract_end', 'license_pool_expiry', 'client_license_expiry', 'license_pool_utilisation', 'sla_metric_breach', 'ticket_sla_breach', 'data_source_failing', 'hardware_overdue', name='alert_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('levels', postgresql.ARRAY(sa.Integer()), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('0 <= ALL(levels)', name=op.f('ck_alert_settings_levels_non_negative')),
    sa.CheckConstraint('cardinality(levels) BETWEEN 1 AND 10', name=op.f('ck_alert_settings_levels_count')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['ab_user.id'], name=op.f('fk_alert_settings_changed_by_id_ab_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], name=op.f('fk_alert_settings_created_by_id_ab_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_alert_settings'))
    )
    with op.batch_alter_table('alert_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_settings_changed_by_id'), ['changed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_settings_created_by_id'), ['created_by_id'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('kind', sa.Enum('contract_renewal', 'contract_end', 'license_pool_expiry', 'client_license_expiry', 'license_pool_utilisation', 'sla_metric_breach', 'ticket_sla_breach', 'data_source_failing', 'hardware_overdue', name='alert_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('occurrence', sa.String(length=40), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('fired_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_alerts_client_id_clients'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('kind', 'record_id', 'occurrence', 'level', name='uq_alerts_once')
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_fired_at'), ['fired_at'], unique=False)
        batch_op.create_index('ix_alerts_kind_open', ['kind'], unique=False, postgresql_where=sa.text('resolved_at IS NULL'))
        batch_op.create_index(batch_op.f('ix_alerts_record_id'), ['record_id'], unique=False)

    op.create_table('alert_recipients',
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('alert_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('digest_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_recipients_alert_id_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['digest_id'], ['alert_email_digests.id'], name=op.f('fk_alert_recipients_digest_id_alert_email_digests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_alert_recipients_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_recipients')),
    sa.UniqueConstraint('alert_id', 'user_id', name=op.f('uq_alert_recipients_alert_id_user_id'))
    )
    with op.batch_alter_table('alert_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_recipients_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_recipients_digest_id'), ['digest_id'], unique=False)
        batch_op.create_index('ix_alert_recipients_unread', ['user_id'], unique=False, postgresql_where=sa.text('read_at IS NULL'))

    with op.batch_alter_table('client_hardware_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected_return_date', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_client_hardware_assignments_expected_return_date'), ['expected_return_date'], unique=False)



def downgrade():
    with op.batch_alter_table('client_hardware_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_hardware_assignments_expected_return_date'))
        batch_op.drop_column('expected_return_date')

    with op.batch_alter_table('alert_recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_recipients_unread', postgresql_where=sa.text('read_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_alert_recipients_digest_id'))
        batch_op.drop_index(batch_op.f('ix_alert_recipients_alert_id'))

    op.drop_table('alert_recipients')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_record_id'))
        batch_op.drop_index('ix_alerts_kind_open', postgresql_where=sa.text('resolved_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_alerts_fired_at'))
        batch_op.drop_index(batch_op.f('ix_alerts_client_id'))

    op.drop_table('alerts')
    with op.batch_alter_table('alert_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_settings_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_alert_settings_changed_by_id'))

    op.drop_table('alert_settings')
    op.drop_table('alert_mutes')
    with op.batch_alter_table('alert_email_digests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_email_digests_user_id'))
        batch_op.drop_index(batch_op.f('ix_alert_email_digests_status'))

    op.drop_table('alert_email_digests')
