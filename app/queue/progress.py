"""What a caller of "Run now" polls: a queued sync run's state, and its SyncRun once it has one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, text

from app.extensions import db
from app.models.sync import RunTrigger, SyncRun

#: procrastinate job ids are bigint; anything outside is no job of ours (and not a 500).
MAX_JOB_ID = 2**63 - 1


@dataclass(frozen=True)
class QueuedRun:
    job_id: int
    query_id: uuid.UUID
    #: procrastinate's status: todo, doing, succeeded, failed, cancelled, aborting, aborted.
    status: str
    attempts: int
    run: SyncRun | None

    @property
    def finished(self) -> bool:
        return self.status in {"succeeded", "failed", "cancelled", "aborted"}


def queued_run(job_id: int) -> QueuedRun | None:
    """The queued run `job_id` of a query (None: no such job, or not a query run)."""
    if not 0 < job_id <= MAX_JOB_ID:
        return None
    row = db.session.execute(
        text(
            "SELECT j.status::text AS status, j.attempts, j.args ->> 'query_id' AS query_id,"
            " (SELECT min(e.at) FROM procrastinate_events e WHERE e.job_id = j.id) AS queued_at"
            " FROM procrastinate_jobs j WHERE j.id = :id AND j.task_name = 'mssp.sync_query'"
        ),
        {"id": job_id},
    ).one_or_none()
    if row is None or row.query_id is None:
        return None
    query_id = uuid.UUID(row.query_id)
    run = None
    if row.queued_at is not None and row.status != "todo":
        run = db.session.scalar(
            select(SyncRun)
            .where(
                SyncRun.query_id == query_id,
                SyncRun.trigger == RunTrigger.MANUAL,
                SyncRun.started_at >= row.queued_at,
            )
            .order_by(SyncRun.started_at)
            .limit(1)
        )
    return QueuedRun(job_id, query_id, row.status, row.attempts, run)
