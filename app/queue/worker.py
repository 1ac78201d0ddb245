"""Workers: `flask mssp worker` processes, or threads inside the scheduler process (one host).

A worker beats every MSSP_WORKER_HEARTBEAT_SECONDS. The leader scheduler runs
`retry_stalled_jobs` every MSSP_STALLED_CHECK_SECONDS: the jobs of a worker silent for
MSSP_WORKER_STALLED_SECONDS (killed, its host gone) go back to the queue for another
worker, so such a job is retried within about stalled + check seconds.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import UTC, datetime

from flask import Flask
from procrastinate import sql
from procrastinate.jobs import Job
from procrastinate.worker import Worker

from app.queue import retries
from app.queue.engine import QUEUE, procrastinate_app, queue_app, worker_connector
from app.queue.tasks import FLASK_APP

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 20.0


def configure_worker(flask_app: Flask) -> None:
    cfg = flask_app.config
    retries.SETTINGS.max_attempts = int(cfg["MSSP_JOB_MAX_ATTEMPTS"])
    retries.SETTINGS.first_wait_seconds = float(cfg["MSSP_JOB_RETRY_SECONDS"])


def build_worker(flask_app: Flask, concurrency: int, name: str, *, in_thread: bool = False) -> Worker:
    """A procrastinate Worker of the app's queue with its own small connection pool."""
    configure_worker(flask_app)
    cfg = flask_app.config
    app = procrastinate_app.with_connector(worker_connector(flask_app, concurrency + 2))
    return Worker(
        app=app,
        queues=[QUEUE],
        name=name,
        concurrency=concurrency,
        fetch_job_polling_interval=float(cfg["MSSP_WORKER_POLL_SECONDS"]),
        additional_context={FLASK_APP: flask_app},
        install_signal_handlers=not in_thread,
        update_heartbeat_interval=float(cfg["MSSP_WORKER_HEARTBEAT_SECONDS"]),
        stalled_worker_timeout=float(cfg["MSSP_WORKER_STALLED_SECONDS"]),
        # On SIGTERM running jobs get this long to finish; then they are aborted and go back
        # to the queue (a container's stop grace is 30 s by default).
        shutdown_graceful_timeout=SHUTDOWN_GRACE_SECONDS,
    )


async def _run(worker: Worker) -> None:
    async with worker.app.open_async():
        await worker.run()


def run_worker(flask_app: Flask, concurrency: int, name: str = "worker") -> None:
    """Block: run jobs until SIGTERM/SIGINT (procrastinate's handlers finish running jobs)."""
    worker = build_worker(flask_app, concurrency, name)
    log.info("%s: running up to %d job(s) at once from queue %r", name, concurrency, QUEUE)
    asyncio.run(_run(worker))


class WorkerThread:
    """A worker inside another process (the scheduler's, so one host needs nothing else)."""

    def __init__(self, flask_app: Flask, concurrency: int, name: str) -> None:
        self.worker = build_worker(flask_app, concurrency, name, in_thread=True)
        self.name = name
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)

    def _main(self) -> None:
        try:
            asyncio.run(_run(self.worker))
        except Exception:
            log.exception("%s: the in-process worker stopped", self.name)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        # A stop before the worker's loop runs would be forgotten (Worker.run clears it).
        deadline = time.monotonic() + timeout
        while self._thread.is_alive() and self.worker._loop is None and time.monotonic() < deadline:
            time.sleep(0.05)
        self.worker.stop()
        self._thread.join(max(0.0, deadline - time.monotonic()))

    def is_alive(self) -> bool:
        return self._thread.is_alive()


def retry_stalled_jobs(flask_app: Flask) -> list[int]:
    """Give the jobs of workers that stopped beating back to the queue; their ids."""
    stalled_after = float(flask_app.config["MSSP_WORKER_STALLED_SECONDS"])
    app = queue_app(flask_app)
    connector = app.connector
    rows = connector.execute_query_all(
        query=sql.queries["select_stalled_jobs_by_heartbeat"],
        queue=None,
        task_name=None,
        seconds_since_heartbeat=stalled_after,
    )
    retried: list[int] = []
    for row in rows:
        job = Job.from_row(row)
        assert job.id is not None
        app.job_manager.retry_job_by_id(job.id, retry_at=datetime.now(UTC))
        log.warning("job %s (%s) was left by a dead worker: back in the queue", job.id, job.call_string)
        retried.append(job.id)
    connector.execute_query_all(
        query=sql.queries["prune_stalled_workers"], seconds_since_heartbeat=stalled_after
    )
    return retried
