"""personal API tokens (issue 23)

`api_token`: a person's tokens for the REST API. Only the SHA-256 digest of a token's
secret is stored (`token_hash`, unique: the lookup), with its first characters
(`token_prefix`) to recognise it in a list. Expiry at most a year after creation and after
creation (CHECKs, besides the service's own refusal); revocation, last use and address.

Revision ID: 0020_auth_api_tokens
Revises: 0012_metric_ingest
Create Date: 2026-12-05 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0020_auth_api_tokens'
down_revision = '0012_metric_ingest'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_token',
        sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('token_prefix', sa.String(length=24), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('read_only', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('resources', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_ip', postgresql.INET(), nullable=True),
        sa.CheckConstraint('expires_at > created_at', name=op.f('ck_api_token_expires_after_creation')),
        sa.CheckConstraint(
            "expires_at <= created_at + interval '366 days'", name=op.f('ck_api_token_expires_within_a_year')
        ),
        sa.CheckConstraint('char_length(btrim(name)) > 0', name=op.f('ck_api_token_name_not_blank')),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_api_token_user_id_ab_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash')),
    )
    op.create_index('ix_api_token_user_id', 'api_token', ['user_id'], unique=False)


def downgrade():
    op.drop_index('ix_api_token_user_id', table_name='api_token')
    op.drop_table('api_token')
