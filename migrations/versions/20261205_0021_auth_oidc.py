"""single sign-on accounts (issue 23)

`ab_user.auth_provider` may be `oidc` (accounts created or linked by an OpenID Connect
sign-in), and `ab_user.oidc_subject` keeps the provider's `sub`, the account's stable
identity at the provider (unique).

Revision ID: 0021_auth_oidc
Revises: 0020_recon_reconciliation
Create Date: 2026-12-05 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0021_auth_oidc'
down_revision = '0020_recon_reconciliation'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('ab_user', sa.Column('oidc_subject', sa.String(length=255), nullable=True))
    op.create_unique_constraint(op.f('uq_ab_user_oidc_subject'), 'ab_user', ['oidc_subject'])
    op.drop_constraint(op.f('ck_ab_user_auth_provider'), 'ab_user', type_='check')
    op.create_check_constraint(
        op.f('ck_ab_user_auth_provider'), 'ab_user', "auth_provider IN ('local', 'ldap', 'oidc')"
    )


def downgrade():
    op.execute("UPDATE ab_user SET auth_provider = 'local' WHERE auth_provider = 'oidc'")
    op.drop_constraint(op.f('ck_ab_user_auth_provider'), 'ab_user', type_='check')
    op.create_check_constraint(
        op.f('ck_ab_user_auth_provider'), 'ab_user', "auth_provider IN ('local', 'ldap')"
    )
    op.drop_constraint(op.f('uq_ab_user_oidc_subject'), 'ab_user', type_='unique')
    op.drop_column('ab_user', 'oidc_subject')
