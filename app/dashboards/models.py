"""Rollup tables behind the dashboards, and the indexes their refresh needs on source tables.

Rollups are derived data: `app.dashboards.rollups.refresh_rollups` rebuilds the
buckets touched since its last run, so they carry no foreign keys (a cache must
never block a delete) and no audit columns. Times are UTC: hours and days are cut
with `date_trunc(..., 'UTC')`.

The `updated_at` indexes on the source tables belong here, not in `app.models`,
because only the incremental refresh reads rows by `updated_at` (and the covering
index on active contracts only serves the headline). Declaring them on the source
tables' metadata keeps Alembic's autogenerate free of drift.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Double,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    text,
)

from app.extensions import db
from app.models.contracts import Contract
from app.models.finance import FinancialTransaction
from app.models.metrics import ServicePerformanceMetric, SLAMetric, TicketSummary
from app.services.contract_counting import counting_sql

metadata = db.metadata

#: Sums of money over many rows: wider than a single amount's Numeric(14, 2).
RollupMoney = Numeric(18, 2)


def _count(name: str) -> Column:
    return Column(name, Integer, nullable=False, server_default=text("0"))


#: One row per rollup: when it was last refreshed and up to which change it has seen.
rollup_state = Table(
    "dash_rollup_state",
    metadata,
    Column("name", String(50), primary_key=True),
    #: Source rows changed (updated_at) before this moment are in the rollup.
    Column("watermark", DateTime(timezone=True)),
    Column("refreshed_at", DateTime(timezone=True), nullable=False),
    #: For the revenue windows: the day the preset windows were computed for.
    Column("as_of", Date),
)


def _metric_stats() -> list[Column]:
    return [
        Column("unit", String(30), nullable=False, server_default=""),
        _count("points"),
        Column("total", Double, nullable=False),
        Column("minimum", Double, nullable=False),
        Column("maximum", Double, nullable=False),
    ]


#: Every client's points of a (service, metric) per UTC hour: the overview's short ranges.
metric_fleet_hourly = Table(
    "dash_metric_fleet_hourly",
    metadata,
    Column("service_id", Uuid, primary_key=True),
    Column("metric_name", String(100), primary_key=True),
    Column("bucket", DateTime(timezone=True), primary_key=True),
    *_metric_stats(),
    Index("ix_dash_metric_fleet_hourly_bucket", "bucket"),
)

#: The same per UTC day: the overview's long ranges.
metric_fleet_daily = Table(
    "dash_metric_fleet_daily",
    metadata,
    Column("service_id", Uuid, primary_key=True),
    Column("metric_name", String(100), primary_key=True),
    Column("day", Date, primary_key=True),
    *_metric_stats(),
    Index("ix_dash_metric_fleet_daily_day", "day"),
)

#: One client's (service, metric) per UTC day: a client's long ranges.
metric_client_daily = Table(
    "dash_metric_client_daily",
    metadata,
    Column("client_id", Uuid, primary_key=True),
    Column("service_id", Uuid, primary_key=True),
    Column("metric_name", String(100), primary_key=True),
    Column("day", Date, primary_key=True),
    *_metric_stats(),
    Index("ix_dash_metric_client_daily_day", "day"),
)

#: The newest point of every (client, service, metric) series.
metric_latest = Table(
    "dash_metric_latest",
    metadata,
    Column("client_id", Uuid, primary_key=True),
    Column("service_id", Uuid, primary_key=True),
    Column("metric_name", String(100), primary_key=True),
    Column("unit", String(30), nullable=False, server_default=""),
    Column("value", Double, nullable=False),
    Column("measured_at", DateTime(timezone=True), nullable=False),
    Index("ix_dash_metric_latest_service_metric", "service_id", "metric_name"),
)

#: SLA measures per month (of `period_start`), service (NULL: not tied to a scope) and metric.
sla_monthly = Table(
    "dash_sla_monthly",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("month", Date, nullable=False),
    Column("service_id", Uuid),
    Column("metric_name", String(100), nullable=False),
    Column("unit", String(10), nullable=False),
    _count("measures"),
    _count("breached"),
    Column("target_sum", Numeric(20, 4), nullable=False),
    Column("actual_sum", Numeric(20, 4), nullable=False),
    _count("actual_count"),
    UniqueConstraint(
        "month",
        "service_id",
        "metric_name",
        "unit",
        name="uq_dash_sla_monthly_key",
        postgresql_nulls_not_distinct=True,
    ),
)

#: Tickets opened, resolved and breached per ISO week (Monday, UTC).
ticket_weekly = Table(
    "dash_ticket_weekly",
    metadata,
    Column("week", Date, primary_key=True),
    _count("created"),
    _count("resolved"),
    _count("breached"),
)

#: Revenue and cost per month, currency and service (NULL: not tied to a scope); no cancelled rows.
finance_monthly = Table(
    "dash_finance_monthly",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("month", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("service_id", Uuid),
    Column("revenue", RollupMoney, nullable=False),
    Column("cost", RollupMoney, nullable=False),
    _count("transactions"),
    UniqueConstraint(
        "month",
        "currency",
        "service_id",
        name="uq_dash_finance_monthly_key",
        postgresql_nulls_not_distinct=True,
    ),
)

#: Each client's revenue per currency over each date-range preset ending on `rollup_state.as_of`.
client_revenue_window = Table(
    "dash_client_revenue_window",
    metadata,
    Column("preset", String(10), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("client_id", Uuid, primary_key=True),
    Column("revenue", RollupMoney, nullable=False),
    Index("ix_dash_client_revenue_window_rank", "preset", "currency", "revenue"),
)

#: Each client's revenue per month (of `transaction_date`) and currency; no cancelled rows.
#: Custom ranges add its whole months to the partial edge months summed from the transactions.
client_revenue_monthly = Table(
    "dash_client_revenue_monthly",
    metadata,
    Column("client_id", Uuid, primary_key=True),
    Column("month", Date, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("revenue", RollupMoney, nullable=False),
    Index("ix_dash_client_revenue_monthly_month", "month"),
)

#: Each client's revenue per currency over all time (the sum of its monthly rows): the upper
#: bound that lets a long custom range rank a few hundred clients instead of all of them.
client_revenue_total = Table(
    "dash_client_revenue_total",
    metadata,
    Column("currency", String(3), primary_key=True),
    Column("client_id", Uuid, primary_key=True),
    Column("revenue", RollupMoney, nullable=False),
    Index("ix_dash_client_revenue_total_rank", "currency", "revenue"),
)

# The incremental refresh finds changed source rows by updated_at.
SOURCE_CHANGE_INDEXES = (
    Index("ix_service_performance_metrics_updated_at", ServicePerformanceMetric.__table__.c.updated_at),
    Index("ix_sla_metrics_updated_at", SLAMetric.__table__.c.updated_at),
    Index("ix_ticket_summaries_updated_at", TicketSummary.__table__.c.updated_at),
    Index("ix_financial_transactions_updated_at", FinancialTransaction.__table__.c.updated_at),
)

# The headline's active contract value per currency: an index-only scan (half the time of
# a scan of the contracts at 100k clients).
ACTIVE_CONTRACT_VALUE_INDEX = Index(
    "ix_contracts_active_value_by_currency",
    Contract.__table__.c.currency,
    postgresql_include=["value"],
    postgresql_where=text(counting_sql()),
)

# Revenue by day, covering what a client ranking sums: the edge months of a custom range are
# read from this index alone (the rows themselves are scattered over the whole table).
REVENUE_BY_DAY_INDEX = Index(
    "ix_financial_transactions_revenue_by_day",
    FinancialTransaction.__table__.c.transaction_date,
    postgresql_include=["client_id", "currency", "amount"],
    postgresql_where=text("transaction_type LIKE 'revenue%' AND status <> 'cancelled'"),
)

# Active contracts by end date, covering the renewals timeline's weekly sums and the
# "contracts ending in 30/60/90 days" counts: an index-only scan of the coming months.
ACTIVE_CONTRACTS_BY_END_INDEX = Index(
    "ix_contracts_active_by_end_date",
    Contract.__table__.c.end_date,
    postgresql_include=["currency", "value", "client_id"],
    postgresql_where=text(counting_sql()),
)

ROLLUP_TABLES = (
    rollup_state,
    metric_fleet_hourly,
    metric_fleet_daily,
    metric_client_daily,
    metric_latest,
    sla_monthly,
    ticket_weekly,
    finance_monthly,
    client_revenue_window,
    client_revenue_monthly,
    client_revenue_total,
)
