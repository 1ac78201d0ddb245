"""The scheduler: one leader (advisory lock) across threads and processes, job isolation, the jobs."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, text

from app.dashboards.models import rollup_state
from app.extensions import db
from app.jobs import scheduler as scheduler_module
from app.jobs.definitions import JOBS, JobSpec
from app.jobs.lock import LeaderLock
from app.jobs.scheduler import (
    QuerySchedules,
    SchedulerProcess,
    execute_job,
    mark_interrupted_runs,
    resolve,
    run_query_job,
)
from app.jobs.tasks import JobContext, evaluate_sla_breaches, roll_over, subscription_snapshot
from app.models.clients import ClientStatus
from app.models.contracts import Contract, ContractStatus
from app.models.finance import FinancialTransaction, TransactionType
from app.models.metrics import ClientSubscriptionSnapshot, SLAMetric, SlaUnit, TicketSummary
from app.models.sync import JobRun, JobRunStatus, RunTrigger, SyncRun, SyncRunStatus
from app.services.snapshots import take_subscription_snapshot
from tests.factories import make_client
from tests.fakes.records import jira_cloud_source, make_query

pytest_plugins = ("tests.fakes.fixtures",)

ROOT = Path(__file__).resolve().parents[2]


#: How long a thread or process may take to do what a test waits for. Generous: CI shares two
#: cores with other runs, and waiting costs only on failure (each wait returns as soon as it can).
PATIENCE = 60.0


def wait_for(condition, timeout: float = PATIENCE) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def lock_settings(app, monkeypatch):
    """A lock key of this test's own, and quick polling."""
    monkeypatch.setitem(app.config, "MSSP_SCHEDULER_LOCK_KEY", random.randint(10**9, 2 * 10**9))
    monkeypatch.setitem(app.config, "MSSP_SCHEDULER_LOCK_POLL_SECONDS", 0.2)
    return app.config["MSSP_SCHEDULER_LOCK_KEY"]


def ticking(name: str, ticks: list[str]) -> tuple[JobSpec, ...]:
    def tick(ctx: JobContext) -> str:
        ticks.append(name)
        return "tick"

    return (JobSpec("tick", tick, "interval", {"seconds": 0.1}, record=False, run_at_start=True),)


def test_a_second_scheduler_waits_and_takes_over_when_the_first_stops(app, lock_settings):
    ticks: list[str] = []
    first = SchedulerProcess(app, ticking("first", ticks), name="first")
    second = SchedulerProcess(app, ticking("second", ticks), name="second")
    threads = [threading.Thread(target=p.run, daemon=True) for p in (first, second)]
    threads[0].start()
    assert wait_for(lambda: "first" in ticks)
    threads[1].start()
    assert wait_for(lambda: second.state == "waiting")
    seen = len(ticks)
    assert wait_for(lambda: len(ticks) >= seen + 3)  # the leader keeps running its job meanwhile

    assert second.state == "waiting"
    assert set(ticks) == {"first"}  # the job ran, and only in the leader

    first.stop()
    threads[0].join(PATIENCE)
    assert not threads[0].is_alive()
    handed_over = len(ticks)
    assert wait_for(lambda: "second" in ticks)
    second.stop()
    threads[1].join(PATIENCE)
    assert set(ticks[:handed_over]) == {"first"} and set(ticks[handed_over:]) <= {"first", "second"}
    assert ticks[-1] == "second" and first.state == second.state == "stopped"


def test_a_waiting_scheduler_stops_when_asked(app, lock_settings):
    holder = LeaderLock(app.config["SQLALCHEMY_DATABASE_URI"], lock_settings)
    assert holder.try_acquire()
    try:
        waiting = SchedulerProcess(app, ticking("never", []))
        result: list[int] = []
        thread = threading.Thread(target=lambda: result.append(waiting.run()), daemon=True)
        thread.start()
        assert wait_for(lambda: waiting.state == "waiting")
        waiting.stop()  # what the SIGTERM handler does: set a flag, nothing else
        thread.join(PATIENCE)
        assert result == [0] and waiting.state == "stopped"
    finally:
        holder.release()


def test_a_scheduler_whose_lock_connection_dies_stops_instead_of_double_running(app, lock_settings):
    ticks: list[str] = []
    leader = SchedulerProcess(app, ticking("leader", ticks), name="leader")
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(leader.run()), daemon=True)
    thread.start()
    assert wait_for(lambda: leader.state == "running")
    pid = leader.lock._conn.connection.dbapi_connection.get_backend_pid()
    killer = LeaderLock(app.config["SQLALCHEMY_DATABASE_URI"], 0)
    killer.try_acquire()
    killer._conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.release()
    thread.join(PATIENCE)
    assert result == [1] and leader.lock_lost


def forget_rollups(app) -> None:
    """Undo what the real scheduler's start-up jobs committed: a dashboard rollup refresh marks
    the rollups as built, which would send later dashboard tests to (empty) rollup tables."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(rollup_state.delete())


def test_the_cli_scheduler_in_another_process_waits_for_the_lock(app, lock_settings, tmp_path):
    """`flask mssp scheduler` as a real second process: it idles while we hold the lock."""
    holder = LeaderLock(app.config["SQLALCHEMY_DATABASE_URI"], lock_settings)
    assert holder.try_acquire()
    log_file = tmp_path / "scheduler.log"
    env = {
        **os.environ,
        "MSSP_ENV": "development",
        "FLASK_APP": "run.py",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MSSP_SCHEDULER_LOCK_KEY": str(lock_settings),
        "MSSP_SCHEDULER_LOCK_POLL_SECONDS": "0.2",
    }
    with log_file.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "mssp", "scheduler"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        assert wait_for(lambda: "waiting to take over" in log_file.read_text()), log_file.read_text()
        time.sleep(0.5)
        assert "holding the scheduler lock" not in log_file.read_text()
        holder.release()
        assert wait_for(lambda: "holding the scheduler lock" in log_file.read_text()), (
            log_file.read_text()
        )
    finally:
        holder.release()
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(PATIENCE)
        except subprocess.TimeoutExpired:
            process.kill()  # never leave a scheduler behind
            process.wait()
            raise
        finally:
            forget_rollups(app)
    assert code == 0, log_file.read_text()
    assert "Traceback" not in log_file.read_text()


# --- job isolation -------------------------------------------------------------------------


def test_a_failing_job_is_logged_and_recorded_and_does_not_raise(app, db_session, caplog):
    def boom(ctx: JobContext) -> str:
        raise RuntimeError("the disk is full")

    status = execute_job(app, "boom", boom)

    assert status is JobRunStatus.FAILED
    assert "job boom failed" in caplog.text and "RuntimeError: the disk is full" in caplog.text
    run = db_session.scalar(select(JobRun).where(JobRun.job_id == "boom"))
    assert run.status is JobRunStatus.FAILED and run.detail == "RuntimeError: the disk is full"


def test_a_failing_job_does_not_stop_the_scheduler(app, lock_settings):
    ticks: list[str] = []

    def boom(ctx: JobContext) -> str:
        ticks.append("boom")
        raise RuntimeError("again")

    jobs = (JobSpec("boom", boom, "interval", {"seconds": 0.1}, record=False, run_at_start=True),)
    process = SchedulerProcess(app, jobs)
    thread = threading.Thread(target=process.run, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: len(ticks) >= 3)  # it keeps being called after failing
        assert process.state == "running"
    finally:
        process.stop()
        thread.join(PATIENCE)
    with app.app_context():
        db.session.execute(JobRun.__table__.delete().where(JobRun.job_id == "boom"))
        db.session.commit()


def test_the_job_list_is_declarative_and_every_job_resolves():
    ids = [j.id for j in JOBS]
    assert {"data_source_queries", "contract_roll_over", "subscription_snapshot", "sla_breaches"} <= set(ids)
    assert len(ids) == len(set(ids))
    for spec in JOBS:
        assert callable(resolve(spec.func)), spec.id
        assert spec.trigger in ("cron", "interval")


# --- query jobs ----------------------------------------------------------------------------


def test_each_active_scheduled_query_gets_a_job_on_its_own_schedule(app, db_session, encryption_key, request):
    source = jira_cloud_source(db_session, "https://jira.example")
    every_15 = make_query(db_session, source, name="every 15")
    hourly = make_query(
        db_session, source, name="cron", schedule_interval_minutes=None, schedule_cron="0 * * * *"
    )
    make_query(db_session, source, name="manual only", schedule_interval_minutes=None)
    make_query(db_session, source, name="inactive", is_active=False)
    scheduler = BackgroundScheduler(timezone=UTC)  # the same API as the process's BlockingScheduler
    scheduler.start(paused=True)
    request.addfinalizer(scheduler.shutdown)
    schedules = QuerySchedules(app, scheduler)

    assert schedules.reconcile() == "2 query job(s): 2 added or changed, 0 removed"
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {f"query:{every_15.id}", f"query:{hourly.id}"}
    assert jobs[f"query:{every_15.id}"].trigger.interval == timedelta(minutes=15)
    assert str(jobs[f"query:{hourly.id}"].trigger).startswith("cron[")

    assert schedules.reconcile() == "2 query job(s): 0 added or changed, 0 removed"
    every_15.schedule_interval_minutes = 5
    hourly.is_active = False
    db_session.flush()
    assert schedules.reconcile() == "1 query job(s): 1 added or changed, 1 removed"
    assert scheduler.get_job(f"query:{every_15.id}").trigger.interval == timedelta(minutes=5)


def test_a_query_failing_in_a_row_backs_off_and_then_runs_again(app, db_session, encryption_key):
    source = jira_cloud_source(db_session, "http://127.0.0.1:9")  # nothing listens there
    query = make_query(db_session, source)
    now = datetime.now(UTC)
    query.consecutive_failures, query.last_run_at = 3, now - timedelta(minutes=10)
    db_session.flush()

    report = run_query_job(query.id, JobContext(app=app, now=now))
    assert report.startswith("skipped: failed 3 times in a row, backing off until")
    assert db_session.scalars(select(SyncRun).where(SyncRun.query_id == query.id)).all() == []

    later = now + timedelta(minutes=31)  # 2 x the 15-minute interval after the last run
    report = run_query_job(query.id, JobContext(app=app, now=later))
    assert report.startswith("failed:")
    db_session.refresh(query)
    assert query.consecutive_failures == 4


# --- the daily jobs ------------------------------------------------------------------------


@pytest.fixture
def job_now(monkeypatch) -> datetime:
    """The moment the jobs see: noon UTC of today, read when the test starts.

    The test's dates come from it too, so they agree with the job's even when midnight
    passes during the test or the machine's time zone is not UTC (`date.today()` is local).
    """
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(scheduler_module, "utcnow", lambda: now)
    return now


def test_contract_expiry_job_expires_overdue_active_contracts(app, db_session, job_now):
    client = make_client(db_session, "Acme Corp")
    today = job_now.date()
    overdue = Contract(
        client=client,
        contract_name="2024 MDR",
        start_date=today - timedelta(days=400),
        end_date=today - timedelta(days=1),
        value=Decimal("1000"),
        status=ContractStatus.ACTIVE,
    )
    current = Contract(
        client=client,
        contract_name="2025 MDR",
        start_date=today - timedelta(days=10),
        end_date=today,
        value=Decimal("1000"),
        status=ContractStatus.ACTIVE,
    )
    db_session.add_all([overdue, current])
    db_session.flush()

    assert execute_job(app, "contract_roll_over", roll_over) is JobRunStatus.SUCCESS

    db_session.refresh(overdue)
    db_session.refresh(current)
    assert (overdue.status, current.status) == (ContractStatus.EXPIRED, ContractStatus.ACTIVE)
    run = db_session.scalar(select(JobRun).where(JobRun.job_id == "contract_roll_over"))
    assert run.detail == "0 contract(s) started, 0 renewed, 1 expired"


def test_subscription_snapshot_per_client_and_currency_and_rerun_replaces(app, db_session, job_now):
    acme = make_client(db_session, "Acme Corp", status=ClientStatus.ACTIVE)
    make_client(db_session, "Prospect Ltd", status=ClientStatus.PROSPECT)
    today = job_now.date()
    db_session.add_all(
        [
            Contract(
                client=acme,
                contract_name="MDR",
                start_date=today - timedelta(days=30),
                end_date=today - timedelta(days=30) + timedelta(days=364),
                value=Decimal("12000.00"),
                currency="EUR",
                status=ContractStatus.ACTIVE,
            ),
            FinancialTransaction(
                client=acme,
                transaction_type=TransactionType.REVENUE_CONTRACT,
                amount=Decimal("1000.00"),
                currency="EUR",
                transaction_date=today,
            ),
            FinancialTransaction(
                client=acme,
                transaction_type=TransactionType.COST_LICENSE,
                amount=Decimal("250.00"),
                currency="EUR",
                transaction_date=today,
            ),
        ]
    )
    db_session.flush()

    assert execute_job(app, "subscription_snapshot", subscription_snapshot) is JobRunStatus.SUCCESS
    rows = db_session.scalars(
        select(ClientSubscriptionSnapshot).where(ClientSubscriptionSnapshot.snapshot_date == today)
    ).all()
    acme_row = next(r for r in rows if r.client_id == acme.id)
    assert acme_row.currency == "EUR" and acme_row.active_client_count == 1
    assert (acme_row.active_contract_count, acme_row.total_contract_value) == (1, Decimal("12000.00"))
    assert acme_row.monthly_recurring_revenue == Decimal("1000.00")
    assert (acme_row.period_revenue, acme_row.period_cost) == (Decimal("1000.00"), Decimal("250.00"))
    overall = [r for r in rows if r.client_id is None]
    assert [r.currency for r in overall] == ["EUR"] and overall[0].active_client_count == 1

    with app.app_context():
        assert take_subscription_snapshot(today) == len(rows)  # same day again: replaced, not doubled
    count = db_session.scalars(
        select(ClientSubscriptionSnapshot).where(ClientSubscriptionSnapshot.snapshot_date == today)
    ).all()
    assert len(count) == len(rows)


def test_sla_breach_evaluation_compares_actual_with_target(app, db_session, job_now):
    client = make_client(db_session, "Acme Corp")
    month = job_now.date().replace(day=1)
    availability = SLAMetric(
        client=client,
        metric_name="availability",
        period_start=month,
        period_end=month + timedelta(days=27),
        target_value=Decimal("99.9"),
        actual_value=Decimal("99.5"),
        unit=SlaUnit.PERCENT,
    )
    response = SLAMetric(
        client=client,
        metric_name="p1 response",
        period_start=month,
        period_end=month + timedelta(days=27),
        target_value=Decimal("30"),
        actual_value=Decimal("20"),
        unit=SlaUnit.MINUTES,
        is_breached=True,
    )
    now = job_now
    late = TicketSummary(
        client=client,
        external_key="ACME-1",
        summary="late",
        opened_at=now - timedelta(hours=5),
        resolution_due_at=now - timedelta(hours=1),
    )
    db_session.add_all([availability, response, late])
    db_session.flush()

    assert execute_job(app, "sla_breaches", evaluate_sla_breaches) is JobRunStatus.SUCCESS

    for record in (availability, response, late):
        db_session.refresh(record)
    assert (availability.is_breached, response.is_breached, late.is_sla_breached) == (True, False, True)
    run = db_session.scalar(select(JobRun).where(JobRun.job_id == "sla_breaches"))
    assert run.detail == "2 SLA metric(s) and 1 ticket(s) changed breach state"


def test_interrupted_runs_are_marked_failed_at_start(app, db_session, encryption_key):
    query = make_query(db_session, jira_cloud_source(db_session, "https://jira.example"))
    old = SyncRun(
        query_id=query.id,
        trigger=RunTrigger.SCHEDULE,
        status=SyncRunStatus.RUNNING,
        started_at=datetime.now(UTC) - timedelta(hours=3),
    )
    db_session.add(old)
    db_session.flush()
    with app.app_context():
        assert mark_interrupted_runs(timedelta(hours=1)) == 1
    db_session.refresh(old)
    assert old.status is SyncRunStatus.FAILED and old.error_kind == "interrupted"
