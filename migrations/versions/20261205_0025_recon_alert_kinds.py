"""reconciliation alert kinds: a finding above a threshold, a finding that persists (issue 22)

`alert_kind` is VARCHAR + CHECK on alerts, alert_mutes and alert_settings: the three
checks are rewritten with the two new values (no column grows: the longest value is
still 24 characters).

Revision ID: 0025_recon_alert_kinds
Revises: 0024_renewals_client_name_ci
Create Date: 2026-12-05 15:20:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025_recon_alert_kinds'
down_revision = '0024_renewals_client_name_ci'
branch_labels = None
depends_on = None

OLD = (
    'contract_renewal', 'contract_end', 'license_pool_expiry', 'client_license_expiry',
    'license_pool_utilisation', 'sla_metric_breach', 'ticket_sla_breach', 'data_source_failing',
    'hardware_overdue',
)
NEW = (*OLD, 'reconciliation_finding', 'reconciliation_persists')
TABLES = ('alerts', 'alert_mutes', 'alert_settings')


def _check(kinds):
    for table in TABLES:
        name = f'ck_{table}_alert_kind'
        op.execute(f'ALTER TABLE {table} DROP CONSTRAINT {name}')
        listed = ", ".join(f"'{k}'" for k in kinds)
        op.execute(f'ALTER TABLE {table} ADD CONSTRAINT {name} CHECK (kind IN ({listed}))')


def upgrade():
    _check(NEW)


def downgrade():
    for table in TABLES:
        op.execute(f"DELETE FROM {table} WHERE kind IN ('reconciliation_finding', 'reconciliation_persists')")
    _check(OLD)
