"""company names unique ignoring case and surrounding spaces

A unique index on lower(btrim(company_name)): "Acme" and " acme " can no longer both
exist. Existing clashes are reported by name (with what to do) instead of the index
creation failing with a bare duplicate-key error; nothing is renamed behind anyone's back.

Revision ID: 0024_renewals_client_name_ci
Revises: 0023_global_search
Create Date: 2026-12-05 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0024_renewals_client_name_ci'
down_revision = '0023_global_search'
branch_labels = None
depends_on = None

INDEX = 'uq_clients_company_name_ci'


def clash_report(connection) -> str | None:
    """What stops the index: groups of names equal ignoring case and surrounding spaces."""
    rows = connection.execute(sa.text(
        "SELECT array_agg(company_name ORDER BY company_name) FROM clients "
        "GROUP BY lower(btrim(company_name)) HAVING count(*) > 1 ORDER BY 1"
    )).all()
    if not rows:
        return None
    listed = "; ".join(" / ".join(repr(name) for name in names) for (names,) in rows)
    return (
        f"{len(rows)} group(s) of clients have the same company name ignoring case and "
        f"surrounding spaces: {listed}. Rename all but one of each group (Clients screen or "
        "PUT /api/v1/client/<id>), then run `flask db upgrade` again."
    )


def upgrade():
    report = clash_report(op.get_bind())
    if report:
        raise RuntimeError(report)
    op.create_index(INDEX, 'clients', [sa.text('lower(btrim(company_name))')], unique=True)


def downgrade():
    op.drop_index(INDEX, table_name='clients')
