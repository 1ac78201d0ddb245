"""metric ingest: the metric points' two foreign keys become statement-level integrity triggers

A foreign key checks each inserted point with a row trigger (one `SELECT ... FOR KEY SHARE`
per point and per key): 35-40 % of a bulk insert. These triggers give the same guarantees
once per statement, for every writer (sync jobs, UI, REST API, raw SQL):

- after an INSERT or UPDATE of points, every distinct client and service they reference is
  locked `FOR KEY SHARE` (what the foreign key's trigger does, row by row) in one statement;
  one that does not exist (or was deleted meanwhile) refuses the statement with SQLSTATE
  23503 and the old constraint's name and message;
- a client or service is refused deletion (or a change of its id, or a TRUNCATE) while
  points reference it, as ON DELETE RESTRICT did. Its row is locked before the check (a
  BEFORE row trigger runs on the locked row), so it waits for an inserting run to commit and
  then, under READ COMMITTED, sees its points. Under REPEATABLE READ or SERIALIZABLE the
  check could not see points committed after the transaction's snapshot (the built-in check
  re-reads with a newer snapshot, which PL/pgSQL cannot), so there such a delete is refused.

Revision ID: 0012_metric_ingest
Revises: 0013_dash_perf
Create Date: 2026-11-25 21:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_metric_ingest'
down_revision = '0013_dash_perf'
branch_labels = None
depends_on = None

TABLE = "service_performance_metrics"
#: column -> (referenced table, the name the dropped foreign key had: errors keep naming it)
REFERENCES = {
    "client_id": ("clients", "fk_service_performance_metrics_client_id_clients"),
    "service_id": ("services", "fk_service_performance_metrics_service_id_services"),
}

CHECK_FUNCTION = f"""
CREATE FUNCTION {TABLE}_check_references() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    wanted bigint;
    locked bigint;
    missing uuid;
BEGIN
    -- clients
    SELECT count(DISTINCT client_id) INTO wanted FROM new_points;
    PERFORM 1 FROM clients c WHERE c.id IN (SELECT client_id FROM new_points) ORDER BY c.id
        FOR KEY SHARE OF c;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < wanted THEN
        SELECT n.client_id INTO missing FROM new_points n
            WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.id = n.client_id) LIMIT 1;
        RAISE EXCEPTION 'insert or update on table "{TABLE}" violates foreign key constraint "%"',
                '{REFERENCES["client_id"][1]}'
            USING ERRCODE = 'foreign_key_violation', TABLE = '{TABLE}',
                  CONSTRAINT = '{REFERENCES["client_id"][1]}',
                  DETAIL = format('Key (client_id)=(%s) is not present in table "clients".', missing);
    END IF;
    -- services
    SELECT count(DISTINCT service_id) INTO wanted FROM new_points;
    PERFORM 1 FROM services s WHERE s.id IN (SELECT service_id FROM new_points) ORDER BY s.id
        FOR KEY SHARE OF s;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < wanted THEN
        SELECT n.service_id INTO missing FROM new_points n
            WHERE NOT EXISTS (SELECT 1 FROM services s WHERE s.id = n.service_id) LIMIT 1;
        RAISE EXCEPTION 'insert or update on table "{TABLE}" violates foreign key constraint "%"',
                '{REFERENCES["service_id"][1]}'
            USING ERRCODE = 'foreign_key_violation', TABLE = '{TABLE}',
                  CONSTRAINT = '{REFERENCES["service_id"][1]}',
                  DETAIL = format('Key (service_id)=(%s) is not present in table "services".', missing);
    END IF;
    RETURN NULL;
END
$$
"""

#: One function for both referenced tables: TG_ARGV[0] is the referencing column.
RESTRICT_FUNCTION = f"""
CREATE FUNCTION {TABLE}_restrict_referenced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    referenced boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        SELECT EXISTS (SELECT 1 FROM {TABLE}) INTO referenced;
        IF referenced THEN
            RAISE EXCEPTION 'cannot truncate table "%": table "{TABLE}" references it', TG_TABLE_NAME
                USING ERRCODE = 'foreign_key_violation', TABLE = '{TABLE}', CONSTRAINT = TG_ARGV[1];
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.id IS NOT DISTINCT FROM OLD.id THEN
        RETURN NEW;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM {TABLE} WHERE %I = $1)', TG_ARGV[0])
        INTO referenced USING OLD.id;
    IF NOT referenced AND current_setting('transaction_isolation') <> 'read committed' THEN
        -- Points a run committed after this transaction's snapshot would be invisible here
        -- (the built-in check re-reads with a newer snapshot; PL/pgSQL cannot): refuse
        -- rather than risk an orphan. The app deletes under READ COMMITTED.
        RAISE EXCEPTION 'deleting from table "%" needs READ COMMITTED isolation (table "{TABLE}" may reference it)',
                TG_TABLE_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state', TABLE = TG_TABLE_NAME;
    END IF;
    IF referenced THEN
        RAISE EXCEPTION 'update or delete on table "%" violates foreign key constraint "%" on table "{TABLE}"',
                TG_TABLE_NAME, TG_ARGV[1]
            USING ERRCODE = 'foreign_key_violation', TABLE = '{TABLE}', CONSTRAINT = TG_ARGV[1],
                  DETAIL = format('Key (id)=(%s) is still referenced from table "{TABLE}".', OLD.id);
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$
"""


def upgrade():
    op.execute(CHECK_FUNCTION)
    op.execute(RESTRICT_FUNCTION)
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER {TABLE}_{event.lower()}_references AFTER {event} ON {TABLE} "
            f"REFERENCING NEW TABLE AS new_points FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {TABLE}_check_references()"
        )
    for column, (referenced, constraint) in REFERENCES.items():
        op.execute(
            f"CREATE TRIGGER {referenced}_restrict_{TABLE} BEFORE DELETE OR UPDATE OF id ON {referenced} "
            f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_restrict_referenced('{column}', '{constraint}')"
        )
        op.execute(
            f"CREATE TRIGGER {referenced}_truncate_{TABLE} BEFORE TRUNCATE ON {referenced} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_restrict_referenced('{column}', '{constraint}')"
        )
        op.drop_constraint(constraint, TABLE, type_="foreignkey")


def downgrade():
    for column, (referenced, constraint) in REFERENCES.items():
        op.create_foreign_key(constraint, TABLE, referenced, [column], ["id"], ondelete="RESTRICT")
        op.execute(f"DROP TRIGGER {referenced}_truncate_{TABLE} ON {referenced}")
        op.execute(f"DROP TRIGGER {referenced}_restrict_{TABLE} ON {referenced}")
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER {TABLE}_{event}_references ON {TABLE}")
    op.execute(f"DROP FUNCTION {TABLE}_restrict_referenced()")
    op.execute(f"DROP FUNCTION {TABLE}_check_references()")
