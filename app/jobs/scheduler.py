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
            record_job_run(job_id, status, started, detail)
        db.session.remove()
        return status


def record_job_run(job_id: str, status: JobRunStatus, started: datetime, detail: str | None) -> None:
    """One row of the Job runs screen, in a transaction of its own; never raises."""
    try:
        db.session.add(
            JobRun(job_id=job_id, status=status, started_at=started, finished_at=utcnow(), detail=detail)
        )
        db.session.commit()
    except Exception:  # the database may be what failed; the log has the job's outcome
        db.session.rollback()
        log.exception("job %s: could not record the run", job_id)


def run_query_job(query_id: uuid.UUID, ctx: JobContext, trigger: RunTrigger = RunTrigger.SCHEDULE) -> str:
    """A query's run. A scheduled one is skipped while the query is inactive or backing off
    after failures; one asked for ("Run now") runs unless the query is gone. The run's
    budget is the job timeout when that is shorter (MSSP_JOB_TIMEOUT_SECONDS)."""
    query = db.session.get(DataSourceQuery, query_id)
    if query is None:
        return "skipped: query deleted"
    if trigger is RunTrigger.SCHEDULE:
        if not query.is_active or not query.data_source.is_active:
            return "skipped: query or source inactive or deleted"
        wait_until = backoff_until(query)
        if wait_until is not None and ctx.now < wait_until:
            failures = query.consecutive_failures
            until = f"{wait_until:%Y-%m-%d %H:%M} UTC"
            return f"skipped: failed {failures} times in a row, backing off until {until}"
    cfg = ctx.app.config
    budget = min(float(cfg["MSSP_SYNC_RUN_BUDGET_SECONDS"]), float(cfg["MSSP_JOB_TIMEOUT_SECONDS"]))
    run = run_query(query_id, trigger, budget_seconds=budget)
    return f"{run.status.value}: {run.rows_inserted} inserted, {run.rows_updated} updated" + (
        f" ({run.error_message})" if run.error_message else ""
    )


def trigger_for(cron: str | None, interval_minutes: int | None) -> CronTrigger | IntervalTrigger:
    if cron:
        return CronTrigger.from_crontab(cron, timezone=UTC)
    return IntervalTrigger(minutes=interval_minutes or 60, timezone=UTC)


class QuerySchedules:
    """Keeps one APScheduler job per active, scheduled query of an active source.

    `queued`: each due run goes to the job queue's workers (app.queue); otherwise it runs
    in the scheduler's own thread.
    """

    def __init__(
        self, app: Flask, scheduler: BaseScheduler, lock: LeaderLock | None = None, *, queued: bool = False
    ) -> None:
        self.app, self.scheduler, self.lock, self.queued = app, scheduler, lock, queued
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
            self.scheduler.add_job(
                self._runner(job_id, query_id),
                trigger=trigger,
                id=job_id,
                name=f"query {query_id}",
                replace_existing=True,
                **extra,
            )
            self._signatures[job_id] = (cron, interval)
            changed += 1
        return f"{len(wanted)} query job(s): {changed} added or changed, {len(removed)} removed"

    def _runner(self, job_id: str, query_id: uuid.UUID) -> Callable[[], Any]:
        if self.queued:
            from app.queue.dispatch import enqueue_query_run, scheduled_enqueue

            enqueue = partial(enqueue_query_run, self.app, query_id, RunTrigger.SCHEDULE)
            return partial(scheduled_enqueue, self.app, job_id, enqueue, lock=self.lock)
        func = partial(run_query_job, query_id)
        return partial(execute_job, self.app, job_id, func, record=False, lock=self.lock)


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
    """One scheduler: wait to lead, then decide what is due and run or enqueue it until stopped.

    With `queued` (the default), every "module:function" job and every query run goes to
    the job queue (app.queue), and the leader gives the jobs of dead workers back to it;
    MSSP_SCHEDULER_WORKERS worker threads in this process run them (0: `flask mssp worker`
    processes do). A job given as a callable, or marked `in_scheduler`, runs here.
    """

    def __init__(
        self, app: Flask, jobs: tuple[JobSpec, ...] = JOBS, name: str = "scheduler", *, queued: bool = True
    ) -> None:
        self.app, self.jobs, self.name, self.queued = app, jobs, name, queued
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
        self.query_schedules = QuerySchedules(app, self.scheduler, self.lock, queued=queued)
        self.worker_threads: list[Any] = []
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

    def _runner(self, spec: JobSpec) -> Callable[[], Any]:
        if self.queued and isinstance(spec.func, str) and not spec.in_scheduler:
            from app.queue.dispatch import enqueue_job, scheduled_enqueue

            resolve(spec.func)  # a typo fails here, at start, not in a worker later
            return partial(
                scheduled_enqueue, self.app, spec.id, partial(enqueue_job, self.app, spec.id), lock=self.lock
            )
        return partial(
            execute_job,
            self.app,
            spec.id,
            resolve(spec.func),
            record=spec.record,
            lock=self.lock,
            query_schedules=self.query_schedules,
        )

    def add_jobs(self) -> None:
        for spec in self.jobs:
            func = self._runner(spec)
            extra = {"next_run_time": utcnow()} if spec.run_at_start else {}
            trigger = spec.trigger if spec.trigger in ("cron", "interval") else "interval"
            args = self._trigger_args(spec)
            if trigger == "cron":
                args.setdefault("timezone", UTC)
            self.scheduler.add_job(
                func, trigger, id=spec.id, name=spec.description or spec.id, **args, **extra
            )
        self.scheduler.add_job(self._watchdog, "interval", seconds=WATCHDOG_SECONDS, id="_watchdog")
        if self.queued:
            self.scheduler.add_job(
                self._retry_stalled_jobs,
                "interval",
                seconds=float(self.app.config["MSSP_STALLED_CHECK_SECONDS"]),
                id="_stalled_jobs",
            )

    def _retry_stalled_jobs(self) -> None:
        from app.queue.worker import retry_stalled_jobs

        with self.app.app_context():
            try:
                if self.lock.still_held():
                    retry_stalled_jobs(self.app)
            except Exception:
                log.exception("%s: could not look for the jobs of dead workers", self.name)
            finally:
                db.session.remove()

    def _start_worker_threads(self) -> None:
        count = int(self.app.config["MSSP_SCHEDULER_WORKERS"]) if self.queued else 0
        if count <= 0:
            return
        from app.queue.worker import WorkerThread

        thread = WorkerThread(self.app, count, f"{self.name}-worker")
        thread.start()
        self.worker_threads.append(thread)
        log.info("%s: running queued jobs in this process too (%d at once)", self.name, count)

    def _stop_worker_threads(self) -> None:
        for thread in self.worker_threads:
            thread.stop()
        self.worker_threads.clear()

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
        self._start_worker_threads()
        try:
            return self._lead()
        finally:
            self._stop_worker_threads()

    def _lead(self) -> int:
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
