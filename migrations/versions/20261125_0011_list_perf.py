"""list performance: trigram indexes for contains-searches, where the server has pg_trgm

`ILIKE '%term%'` (the lists' "contains" search and the relation pickers) cannot use a
b-tree: it reads every row (1.7 s on 1M transactions). A `gin_trgm_ops` index answers it
in milliseconds, but needs the `pg_trgm` extension, which the embedded PostgreSQL build
does not ship (contrib is absent; a system or managed PostgreSQL has it). So the indexes
are created only where the extension can be, and `app.db.schema.include_object` leaves
every `trgm_*` index out of autogenerate: the migrated schema equals the models on both
kinds of server. Without pg_trgm the search gives the same rows, by a scan.

Revision ID: 0011_list_perf
Revises: 0010_dashboard_rollups
Create Date: 2026-11-25 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0011_list_perf'
down_revision = '0010_dashboard_rollups'
branch_labels = None
depends_on = None

#: (table, column) searched with "contains" on big tables; index name trgm_<table>_<column>.
TRIGRAM_COLUMNS = (
    ("clients", "company_name"),
    ("contracts", "contract_name"),
    ("financial_transactions", "description"),
    ("ticket_summaries", "summary"),
    ("hardware_assets", "device_name"),
    ("license_pools", "product_name"),
)


def index_name(table: str, column: str) -> str:
    return f"trgm_{table}_{column}"


def trigram_available(bind) -> bool:
    """pg_trgm installed, or installable here (shipped, and we may create it)."""
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar():
        return True
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar():
        return False
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:  # e.g. not allowed to create extensions: search scans instead
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def upgrade():
    bind = op.get_bind()
    if not trigram_available(bind):
        return
    for table, column in TRIGRAM_COLUMNS:
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {index_name(table, column)} "
            f"ON {table} USING gin ({column} gin_trgm_ops)"
        )


def downgrade():
    # The extension stays: other objects may use it, and it holds no data.
    for table, column in TRIGRAM_COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS {index_name(table, column)}")
