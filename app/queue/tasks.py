"""The queued tasks: a scheduled job by its id (app.jobs.definitions), a sync query's run.

Each runs in a worker thread inside an app context of its own. An attempt that raises is
retried with a doubling wait (app.queue.retries); after the last attempt the job is recorded
FAILED with the error in job_runs (the Job runs screen), like a scheduled job always was.
Jobs sharing a `lock` never run at the same time (procrastinate's lock): one per job id,
and one per sync query, whoever asked for it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask
from procrastinate import JobContext as QueueJobContext

from app.extensions import db
from app.jobs.definitions import JOBS
from app.jobs.scheduler import record_job_run, resolve, run_query_job
from app.jobs.tasks import JobContext
from app.models.sync import JobRunStatus, RunTrigger
from app.queue.engine import QUEUE, procrastinate_app
from app.queue.retries import SETTINGS, ConfiguredRetry, is_last_attempt, wait_before_retry
from app.services.audit.context import audit_source
from app.services.secrets import redact

log = logging.getLogger(__name__)

#: What a worker passes each task (procrastinate's `additional_context`).
FLASK_APP = "flask_app"


def _flask_app(context: QueueJobContext) -> Flask:
    return context.additional_context[FLASK_APP]


def _attempt(
    context: QueueJobContext, job_id: str, func: Callable[[JobContext], str], *, record: bool
) -> str:
    """One attempt: run, log, record success (when asked) or the last failure; raise to retry."""
    flask_app = _flask_app(context)
    job = context.job
    with flask_app.app_context(), audit_source("job", label=job_id):
        started = datetime.now(UTC)
        try:
            detail = func(JobContext(app=flask_app, now=started))
        except Exception as error:
            db.session.rollback()
            message = redact(f"{type(error).__name__}: {error}")[:1900]
            attempt = job.attempts + 1
            if is_last_attempt(job):
                log.exception("job %s failed (attempt %d, the last)", job_id, attempt)
                record_job_run(
                    job_id, JobRunStatus.FAILED, started, f"{message} (after {attempt} attempt(s))"
                )
            else:
                wait = wait_before_retry(attempt)
                log.warning(
                    "job %s: attempt %d of %d failed (%s); retrying in %.0f s",
                    job_id,
                    attempt,
                    SETTINGS.max_attempts,
                    message,
                    wait,
                )
            db.session.remove()
            raise
        log.info("job %s: %s", job_id, detail)
        if record:
            record_job_run(job_id, JobRunStatus.SUCCESS, started, detail)
        db.session.remove()
        return detail


@procrastinate_app.task(name="mssp.run_job", queue=QUEUE, pass_context=True, retry=ConfiguredRetry())
def run_job(context: QueueJobContext, job_id: str) -> str:
    """A job of app.jobs.definitions, by its id."""
    spec = next((s for s in JOBS if s.id == job_id), None)
    if spec is None:
        raise LookupError(f"no scheduled job {job_id!r}")
    return _attempt(context, job_id, resolve(spec.func), record=spec.record)


@procrastinate_app.task(name="mssp.sync_query", queue=QUEUE, pass_context=True, retry=ConfiguredRetry())
def sync_query(context: QueueJobContext, query_id: str, trigger: str = RunTrigger.SCHEDULE.value) -> str:
    """A query's run: scheduled (skipped while backing off) or asked for ("Run now")."""
    return _attempt(
        context,
        f"query:{query_id}",
        lambda ctx: run_query_job(uuid.UUID(query_id), ctx, trigger=RunTrigger(trigger)),
        record=False,
    )
