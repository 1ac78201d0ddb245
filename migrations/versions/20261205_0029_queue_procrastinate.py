"""job queue: procrastinate's tables and functions (issue 24)

The worker tier's queue lives in this database (app.queue): procrastinate 3.10's schema,
kept verbatim in migrations/sql/ so that this revision never changes when the package is
upgraded (a later procrastinate version brings its migration SQL in a revision of its own).
The tables are left out of autogenerate (app.db.schema.FOREIGN_TABLE_PREFIXES).

Revision ID: 0029_queue_procrastinate
Revises: 0028_sync_ticket_source_window
Create Date: 2026-12-05 19:30:00.000000

"""

from pathlib import Path

from alembic import op

# revision identifiers, used by Alembic.
revision = "0029_queue_procrastinate"
down_revision = "0028_sync_ticket_source_window"
branch_labels = None
depends_on = None

SCHEMA = Path(__file__).resolve().parent.parent / "sql" / "procrastinate_3_10_0_schema.sql"


def _execute_script(sql: str) -> None:
    # Straight to the driver: the script has plpgsql `%` placeholders and `:` that
    # SQLAlchemy's text() would take for parameters.
    cursor = op.get_bind().connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def upgrade():
    _execute_script(SCHEMA.read_text())


def downgrade():
    _execute_script(
        """
        DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
            procrastinate_jobs, procrastinate_workers CASCADE;
        DO $$
        DECLARE fn record;
        BEGIN
            FOR fn IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
            LOOP
                EXECUTE 'DROP FUNCTION ' || fn.signature || ' CASCADE';
            END LOOP;
        END $$;
        DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
            procrastinate_job_status CASCADE;
        """
    )
