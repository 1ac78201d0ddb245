"""contract status SIGNED: a renewal signed by the client, waiting for its start date

An early renewal no longer retires the running contract at once: the successor waits as
SIGNED and the daily roll-over (app.services.contract_counting) makes it ACTIVE on its
start date, when the contract it renews becomes RENEWED.

Revision ID: 0020_renewals_contract_signed
Revises: 0020_auth_api_tokens
Create Date: 2026-12-05 14:30:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020_renewals_contract_signed'
down_revision = '0020_auth_api_tokens'
branch_labels = None
depends_on = None

CONSTRAINT = 'ck_contracts_contract_status'
BEFORE = ('draft', 'active', 'expired', 'terminated', 'renewed')
AFTER = ('draft', 'signed', 'active', 'expired', 'terminated', 'renewed')


def _check(values):
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    op.drop_constraint(op.f(CONSTRAINT), 'contracts', type_='check')
    op.create_check_constraint(op.f(CONSTRAINT), 'contracts', _check(AFTER))


def downgrade():
    # A signed renewal goes back to being a draft: the old schema has no word for it.
    op.execute("UPDATE contracts SET status = 'draft' WHERE status = 'signed'")
    op.drop_constraint(op.f(CONSTRAINT), 'contracts', type_='check')
    op.create_check_constraint(op.f(CONSTRAINT), 'contracts', _check(BEFORE))
