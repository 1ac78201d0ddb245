"""The scheduler process (`flask mssp scheduler`): APScheduler's BlockingScheduler, one leader.

Start-up waits for the PostgreSQL advisory lock (app.jobs.lock), so a second
scheduler idles instead of running every job twice, and takes over when the
first stops. The leader adds the declarative jobs (app.jobs.definitions); one of
them keeps an APScheduler job per active query, on the query's own schedule.
Each run gets its own app context; a failure is logged and recorded in job_runs
(or in the query's SyncRun) and never stops the scheduler. A watchdog job checks
the lock's connection: if it is lost, the scheduler stops rather than risk a
second leader, and the command exits non-zero for its supervisor to restart it.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import or_, select, update

from app.extensions import db
from app.jobs.definitions import JOBS, JobSpec
from app.jobs.lock import LeaderLock
from app.jobs.tasks import JobContext
from app.models.integrations import DataSourceQuery, ExternalDataSource
from app.models.sync import JobRun, JobRunStatus, RunTrigger, SyncRun, SyncRunStatus
from app.services.audit.context import audit_source
from app.services.secrets import redact
from app.services.sync.runs import backoff_until, run_query

log = logging.getLogger(__name__)

JobFunc = Callable[[JobContext], str]

#: How often the watchdog runs: the delay between stop() and the scheduler stopping.
WATCHDOG_SECONDS = 0.5


def utcnow() -> datetime:
    return datetime.now(UTC)


def resolve(path: str | JobFunc) -> JobFunc:
    if callable(path):
        return path
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def execute_job(
    app: Flask,
    job_id: str,
    func: JobFunc,
    *,
    record: bool = True,
    lock: LeaderLock | None = None,
    query_schedules: QuerySchedules | None = None,
) -> JobRunStatus | None:
    """Run one job in its own app context; log and record the outcome; never raise.

    Returns None when the job did not run because this process lost the leader lock.
    """
    with app.app_context(), audit_source("job", label=job_id):
        if lock is not None and not lock.still_held():
            log.error("job %s not run: the scheduler lock was lost", job_id)
            return None
        started = utcnow()
        try:
            detail = func(JobContext(app=app, now=started, query_schedules=query_schedules))
            status = JobRunStatus.SUCCESS
            log.info("job %s: %s", job_id, detail)
        except Exception as error:
            db.session.rollback()
            log.exception("job %s failed", job_id)
            status, detail = JobRunStatus.FAILED, redact(f"{type(error).__name__}: {error}")[:2000]
        if record or status is JobRunStatus.FAILED:
            _record(job_id, status, started, detail)
        db.session.remove()
        return status


def _record(job_id: str, status: JobRunStatus, started: datetime, detail: str | None) -> None:
    try:
        db.session.add(
            JobRun(job_id=job_id, status=status, started_at=started, finished_at=utcnow(), detail=detail)
        )
        db.session.commit()
    except Exception:  # the database may be what failed; the log has the job's outcome
        db.session.rollback()
        log.exception("job %s: could not record the run", job_id)


def run_query_job(query_id: uuid.UUID, ctx: JobContext) -> str:
    """A query's scheduled run: skipped while inactive or backing off after failures."""
    query = db.session.get(DataSourceQuery, query_id)
    if query is None or not query.is_active or not query.data_source.is_active:
        return "skipped: query or source inactive or deleted"
    wait_until = backoff_until(query)
    if wait_until is not None and ctx.now < wait_until:
        failures = query.consecutive_failures
        return f"skipped: failed {failures} times in a row, backing off until {wait_until:%Y-%m-%d %H:%M} UTC"
    run = run_query(query_id, RunTrigger.SCHEDULE)
    return f"{run.status.value}: {run.rows_inserted} inserted, {run.rows_updated} updated" + (
        f" ({run.error_message})" if run.error_message else ""
    )


def trigger_for(cron: str | None, interval_minutes: int | None) -> CronTrigger | IntervalTrigger:
    if cron:
        return CronTrigger.from_crontab(cron, timezone=UTC)
    return IntervalTrigger(minutes=interval_minutes or 60, timezone=UTC)


class QuerySchedules:
    """Keeps one APScheduler job per active, scheduled query of an active source."""

    def __init__(self, app: Flask, scheduler: BaseScheduler, lock: LeaderLock | None = None) -> None:
        self.app, self.scheduler, self.lock = app, scheduler, lock
        self._signatures: dict[str, tuple[Any, ...]] = {}

    def wanted(self) -> dict[str, tuple[uuid.UUID, str | None, int | None, datetime | None]]:
        q, s = DataSourceQuery, ExternalDataSource
        rows = db.session.execute(
            select(q.id, q.schedule_cron, q.schedule_interval_minutes, q.last_run_at)
            .join(s, s.id == q.data_source_id)
            .where(
                q.is_active,
                s.is_active,
                or_(q.schedule_cron.is_not(None), q.schedule_interval_minutes.is_not(None)),
            )
        ).all()
        return {f"query:{row.id}": tuple(row) for row in rows}

    def reconcile(self) -> str:
        wanted = self.wanted()
        removed = [job_id for job_id in self._signatures if job_id not in wanted]
        for job_id in removed:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(job_id)
            del self._signatures[job_id]
        changed = 0
        for job_id, (query_id, cron, interval, last_run_at) in wanted.items():
            if self._signatures.get(job_id) == (cron, interval):
                continue
            trigger = trigger_for(cron, interval)
            extra: dict[str, Any] = {}
            if not cron:  # an interval query that is due (or never ran) runs now
                due = last_run_at + timedelta(minutes=interval or 60) if last_run_at else None
                extra["next_run_time"] = max(utcnow(), due) if due else utcnow()
            func = partial(run_query_job, query_id)
            self.scheduler.add_job(
                partial(execute_job, self.app, job_id, func, record=False, lock=self.lock),
                trigger=trigger,
                id=job_id,
                name=f"query {query_id}",
                replace_existing=True,
                **extra,
            )
            self._signatures[job_id] = (cron, interval)
            changed += 1
        return f"{len(wanted)} query job(s): {changed} added or changed, {len(removed)} removed"


def mark_interrupted_runs(older_than: timedelta) -> int:
    """RUNNING runs that started long ago were cut off (a scheduler or web worker died)."""
    runs = SyncRun.__table__
    result = db.session.execute(
        update(runs)
        .where(runs.c.status == SyncRunStatus.RUNNING, runs.c.started_at < utcnow() - older_than)
        .values(
            status=SyncRunStatus.FAILED,
            finished_at=utcnow(),
            error_kind="interrupted",
            error_message="interrupted: the process running it stopped",
        )
    )
    db.session.commit()
    return result.rowcount or 0


class SchedulerProcess:
    """One scheduler: wait to lead, then run the jobs until stopped."""

    def __init__(self, app: Flask, jobs: tuple[JobSpec, ...] = JOBS, name: str = "scheduler") -> None:
        self.app, self.jobs, self.name = app, jobs, name
        cfg = app.config
        with app.app_context():
            url = db.engine.url
        self.lock = LeaderLock(url, int(cfg["MSSP_SCHEDULER_LOCK_KEY"]))
        self.poll_seconds = float(cfg["MSSP_SCHEDULER_LOCK_POLL_SECONDS"])
        self.scheduler = BlockingScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
        )
        # APScheduler logs every run of every job at INFO, the half-second watchdog included:
        # that buried the log. Our job runner logs and records (JobRun) each real job itself;
        # APScheduler's own warnings and errors still show.
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        self.query_schedules = QuerySchedules(app, self.scheduler, self.lock)
        self.state = "created"
        self.lock_lost = False
        # A plain flag, not an Event: stop() runs in signal handlers (see LeaderLock.acquire).
        self._stop_requested = False
        self._last_lock_check = 0.0

    def _trigger_args(self, spec: JobSpec) -> dict[str, Any]:
        return {
            k: self.app.config[v] if isinstance(v, str) and v in self.app.config else v
            for k, v in spec.trigger_args.items()
        }

    def add_jobs(self) -> None:
        for spec in self.jobs:
            func = partial(
                execute_job,
                self.app,
                spec.id,
                resolve(spec.func),
                record=spec.record,
                lock=self.lock,
                query_schedules=self.query_schedules,
            )
            extra = {"next_run_time": utcnow()} if spec.run_at_start else {}
            trigger = spec.trigger if spec.trigger in ("cron", "interval") else "interval"
            args = self._trigger_args(spec)
            if trigger == "cron":
                args.setdefault("timezone", UTC)
            self.scheduler.add_job(
                func, trigger, id=spec.id, name=spec.description or spec.id, **args, **extra
            )
        self.scheduler.add_job(self._watchdog, "interval", seconds=WATCHDOG_SECONDS, id="_watchdog")

    def _watchdog(self) -> None:
        """Runs in a worker thread: acts on stop requests and checks the lock's connection."""
        if self._stop_requested:
            self._shutdown()
            return
        now = time.monotonic()
        if now - self._last_lock_check < min(self.poll_seconds, 10.0):
            return
        self._last_lock_check = now
        if not self.lock.still_held():
            self.lock_lost = True
            log.error("%s: the scheduler lock's connection was lost; stopping", self.name)
            self._shutdown()

    def _shutdown(self) -> None:
        if self.scheduler.state != STATE_STOPPED:
            self.scheduler.shutdown(wait=False)

    def run(self) -> int:
        """Block: wait for the lock, run jobs until stopped. 0 on a clean stop, 1 if the lock was lost."""
        self.state = "waiting"

        def waiting() -> None:
            log.info("%s: another scheduler holds the lock; waiting to take over", self.name)

        if not self.lock.acquire(lambda: self._stop_requested, self.poll_seconds, on_wait=waiting):
            self.state = "stopped"
            self.lock.release()
            return 0
        try:
            self.state = "running"
            log.info("%s: holding the scheduler lock; starting %d job(s)", self.name, len(self.jobs))
            with self.app.app_context():
                budget = float(self.app.config["MSSP_SYNC_RUN_BUDGET_SECONDS"])
                interrupted = mark_interrupted_runs(timedelta(seconds=budget * 2))
                if interrupted:
                    log.warning("%s: %d interrupted run(s) marked failed", self.name, interrupted)
                db.session.remove()
            self.add_jobs()
            if not self._stop_requested:
                self.scheduler.start()  # blocks until shutdown (the watchdog acts on stop())
        finally:
            self.state = "stopped"
            self.lock.release()
        return 1 if self.lock_lost else 0

    def stop(self) -> None:
        """Ask the scheduler to stop; it does within WATCHDOG_SECONDS.

        Safe in a signal handler: it only sets a flag. Shutting APScheduler down from
        the handler could deadlock on a lock the interrupted main thread holds.
        """
        self._stop_requested = True
