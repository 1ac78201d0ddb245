"""The scheduler's rollup jobs (declared in `app.jobs.definitions`): each returns a one-line report.

Every 5 minutes the rollups take in what changed since the last refresh; each night
every bucket of the last `NIGHTLY_LOOK_BACK` is recomputed, which also catches rows
deleted, or moved to another date or client, that an incremental refresh cannot see.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from app.dashboards.rollups import refresh_rollups

if TYPE_CHECKING:
    from app.jobs.tasks import JobContext

#: How far back the nightly refresh recomputes every bucket (a month and its late corrections).
NIGHTLY_LOOK_BACK = timedelta(days=35)


def refresh_rollups_job(ctx: JobContext) -> str:
    """Incremental refresh: the buckets of source rows changed since the last run."""
    return refresh_rollups(today=ctx.now.date()).summary()


def refresh_rollups_nightly_job(ctx: JobContext) -> str:
    """Recompute every bucket from `NIGHTLY_LOOK_BACK` ago, changed or not."""
    return refresh_rollups(since=ctx.now - NIGHTLY_LOOK_BACK, today=ctx.now.date()).summary()
