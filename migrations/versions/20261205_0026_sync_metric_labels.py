"""sync metric labels: a metric point's series is its name and its labels (issue 20.2)

Series that share a metric name and differ by labels (detections by severity, throughput
by sensor) overwrote each other on the old key (client, service, metric, time). Points
get a `labels` JSONB (existing rows: `{}`, the series they were) and the unique key
becomes (client, service, metric, time, labels): labels last, so the first four columns
still serve the time-range reads of a metric.

The downgrade refuses while two points differ only by their labels: dropping the column
would have to delete one of them.

Revision ID: 0026_sync_metric_labels
Revises: 0025_recon_alert_kinds
Create Date: 2026-12-05 19:30:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0026_sync_metric_labels'
down_revision = '0025_recon_alert_kinds'
branch_labels = None
depends_on = None

TABLE = "service_performance_metrics"
KEY = "uq_service_performance_metrics_point"


def upgrade():
    op.add_column(
        TABLE,
        sa.Column("labels", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    op.drop_constraint(KEY, TABLE, type_="unique")
    op.create_unique_constraint(KEY, TABLE, ["client_id", "service_id", "metric_name", "timestamp", "labels"])


def downgrade():
    shared = op.get_bind().execute(
        sa.text(
            f"""SELECT count(*) FROM (
                    SELECT 1 FROM {TABLE} GROUP BY client_id, service_id, metric_name, "timestamp"
                    HAVING count(*) > 1
                ) s"""
        )
    ).scalar_one()
    if shared:
        raise RuntimeError(
            f"{shared} metric point(s) share client, service, metric and time with another point "
            "and differ only by labels: delete the series to drop before downgrading"
        )
    op.drop_constraint(KEY, TABLE, type_="unique")
    op.create_unique_constraint(KEY, TABLE, ["client_id", "service_id", "metric_name", "timestamp"])
    op.drop_column(TABLE, "labels")
