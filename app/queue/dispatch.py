"""Putting work on the queue: a scheduled job that is due, a sync query's run.

What may not run twice at once shares a procrastinate `lock` (a job id, a query); what
must not pile up while it waits shares a `queueing_lock` (a second enqueue of the same
thing while one waits is refused, and the waiting one is answered instead).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from flask import Flask
from procrastinate import exceptions as queue_errors

from app.extensions import db
from app.models.sync import RunTrigger
from app.queue.engine import QUEUE, queue_app

log = logging.getLogger(__name__)


def job_lock(job_id: str) -> str:
    return f"job:{job_id}"


def query_lock(query_id: uuid.UUID | str) -> str:
    return f"query:{query_id}"


def enqueue_job(flask_app: Flask, job_id: str) -> int | None:
    """Enqueue a scheduled job (app.jobs.definitions) by id; None when one already waits."""
    lock = job_lock(job_id)
    try:
        return (
            queue_app(flask_app)
            .configure_task("mssp.run_job", queue=QUEUE, lock=lock, queueing_lock=lock)
            .defer(job_id=job_id)
        )
    except queue_errors.AlreadyEnqueued:
        log.info("job %s: the previous one still waits for a worker; not enqueued again", job_id)
        return None


def enqueue_query_run(flask_app: Flask, query_id: uuid.UUID, trigger: RunTrigger) -> int:
    """Enqueue a run of a query; the id of the job (the one already waiting, if any)."""
    waiting = f"{query_lock(query_id)}:{trigger.value}"
    app = queue_app(flask_app)
    try:
        return app.configure_task(
            "mssp.sync_query", queue=QUEUE, lock=query_lock(query_id), queueing_lock=waiting
        ).defer(query_id=str(query_id), trigger=trigger.value)
    except queue_errors.AlreadyEnqueued:
        jobs = list(app.job_manager.list_jobs(queueing_lock=waiting, status="todo"))
        if not jobs:  # it started in between: enqueue this one after it
            return app.configure_task(
                "mssp.sync_query", lock=query_lock(query_id), queueing_lock=waiting
            ).defer(query_id=str(query_id), trigger=trigger.value)
        return int(jobs[0].id)


def scheduled_enqueue(flask_app: Flask, job_id: str, enqueue, lock=None) -> None:  # type: ignore[no-untyped-def]
    """What the scheduler's APScheduler job does when due: enqueue, never raise.

    `lock` is the scheduler's leader lock: a scheduler that lost it enqueues nothing.
    """
    with flask_app.app_context():
        try:
            if lock is not None and not lock.still_held():
                log.error("job %s not enqueued: the scheduler lock was lost", job_id)
                return
            enqueue()
        except Exception as error:
            from app.jobs.scheduler import record_job_run
            from app.models.sync import JobRunStatus

            log.exception("job %s: could not be enqueued", job_id)
            record_job_run(
                job_id,
                JobRunStatus.FAILED,
                datetime.now(UTC),
                f"not enqueued: {type(error).__name__}: {error}"[:2000],
            )
        finally:
            db.session.remove()
