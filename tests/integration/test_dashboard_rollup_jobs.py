"""The scheduler keeps the dashboard rollups fresh: every 5 minutes incrementally, nightly over 35 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text

from app.dashboards.jobs import refresh_rollups_job, refresh_rollups_nightly_job
from app.jobs.definitions import JOBS
from app.jobs.scheduler import execute_job, resolve
from app.models.finance import FinancialTransaction, TransactionType
from app.models.sync import JobRun, JobRunStatus
from tests.factories import make_client

JOB_IDS = ("dashboard_rollups", "dashboard_rollups_nightly")


def spec(job_id: str):
    (found,) = [job for job in JOBS if job.id == job_id]
    return found


def test_the_rollup_jobs_are_declared_every_5_minutes_and_nightly():
    every_5 = spec("dashboard_rollups")
    assert resolve(every_5.func) is refresh_rollups_job
    assert (every_5.trigger, every_5.trigger_args) == ("interval", {"minutes": 5})
    assert every_5.run_at_start
    nightly = spec("dashboard_rollups_nightly")
    assert resolve(nightly.func) is refresh_rollups_nightly_job
    assert nightly.trigger == "cron" and set(nightly.trigger_args) == {"hour", "minute"}


def monthly_revenue(db_session) -> dict[tuple, Decimal]:
    rows = db_session.execute(text("SELECT month, currency, revenue FROM dash_finance_monthly")).all()
    return {(month, currency): amount for month, currency, amount in rows}


def add_revenue(db_session, client, amount: str, day) -> FinancialTransaction:
    row = FinancialTransaction(
        transaction_type=TransactionType.REVENUE_ONE_OFF,
        amount=Decimal(amount),
        currency="EUR",
        transaction_date=day,
        client_id=client.id,
    )
    db_session.add(row)
    db_session.flush()
    return row


def test_the_five_minute_job_takes_in_new_rows(app, db_session):
    client = make_client(db_session, company_name="Rollup Job GmbH")
    day = datetime.now(UTC).date() - timedelta(days=2)
    month = day.replace(day=1)
    add_revenue(db_session, client, "100.00", day)
    assert execute_job(app, "dashboard_rollups", refresh_rollups_job, record=False) is JobRunStatus.SUCCESS
    assert monthly_revenue(db_session)[(month, "EUR")] == Decimal("100.00")

    add_revenue(db_session, client, "25.50", day)
    assert execute_job(app, "dashboard_rollups", refresh_rollups_job, record=False) is JobRunStatus.SUCCESS
    assert monthly_revenue(db_session)[(month, "EUR")] == Decimal("125.50")
    ranked = db_session.execute(
        text("SELECT revenue FROM dash_client_revenue_monthly WHERE client_id = :c"), {"c": client.id}
    ).scalar_one()
    assert ranked == Decimal("125.50")


def test_the_nightly_job_drops_deleted_rows_and_is_recorded(app, db_session):
    client = make_client(db_session, company_name="Nightly Job Ltd")
    day = datetime.now(UTC).date() - timedelta(days=2)
    row = add_revenue(db_session, client, "70.00", day)
    assert execute_job(app, "dashboard_rollups", refresh_rollups_job, record=False) is JobRunStatus.SUCCESS
    assert (day.replace(day=1), "EUR") in monthly_revenue(db_session)
    db_session.execute(text("DELETE FROM financial_transactions WHERE id = :id"), {"id": row.id})
    assert execute_job(app, "dashboard_rollups_nightly", refresh_rollups_nightly_job) is JobRunStatus.SUCCESS
    assert (day.replace(day=1), "EUR") not in monthly_revenue(db_session)
    run = db_session.query(JobRun).filter_by(job_id="dashboard_rollups_nightly").one()
    assert run.detail.startswith("rollups refreshed in") and "client_revenue" in run.detail
