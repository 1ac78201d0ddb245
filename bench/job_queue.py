"""The job queue (issue 24): enqueue rate, pickup latency, and jobs per minute with 1 vs 2
workers. Each job stands for an I/O-bound sync run: it waits `--job-seconds` (a sync run
mostly waits on its source's HTTP answers) and records nothing.

    .venv/bin/python bench/job_queue.py [--jobs 40] [--job-seconds 0.25]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/mssp_bench_queue \
        .venv/bin/python bench/job_queue.py

Workers are procrastinate workers in this process (threads, one job at a time each), the
same code `flask mssp worker` runs; the database is the embedded server's `mssp_bench_queue`
unless BENCH_DATABASE_URL is set (the database must exist).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MSSP_EMBEDDED_DATABASE", "mssp_bench_queue")
if os.environ.get("BENCH_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]

from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.jobs.definitions import JobSpec  # noqa: E402
from app.queue import tasks as queue_tasks  # noqa: E402
from app.queue.dispatch import enqueue_job  # noqa: E402
from app.queue.worker import WorkerThread  # noqa: E402

JOB_SECONDS = 0.25
STARTED: dict[str, float] = {}


def io_job(ctx) -> str:
    time.sleep(JOB_SECONDS)
    return "waited"


def clear(app) -> None:
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, "
                "procrastinate_workers"
            )
        )


def done_count(app, ids: list[int]) -> int:
    with app.app_context(), db.engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM procrastinate_jobs WHERE id = ANY(:ids) AND status = 'succeeded'"),
            {"ids": ids},
        ).scalar_one()


def pickup_latencies(app, ids: list[int]) -> list[float]:
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT extract(epoch FROM s.at - d.at) FROM procrastinate_events d "
                "JOIN procrastinate_events s ON s.job_id = d.job_id AND s.type = 'started' "
                "WHERE d.type = 'deferred' AND d.job_id = ANY(:ids)"
            ),
            {"ids": ids},
        ).scalars()
        return [float(r) for r in rows]


def run_case(app, workers: int, jobs: int) -> dict[str, float]:
    clear(app)
    started_at = time.perf_counter()
    with app.app_context():
        ids = [enqueue_job(app, f"bench_{i}") for i in range(jobs)]
    enqueue_seconds = time.perf_counter() - started_at
    threads = [WorkerThread(app, 1, f"bench-worker-{n}") for n in range(workers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    while done_count(app, ids) < jobs:
        time.sleep(0.02)
    elapsed = time.perf_counter() - began
    for thread in threads:
        thread.stop()
    return {
        "enqueue_per_s": jobs / enqueue_seconds,
        "jobs_per_min": jobs / elapsed * 60,
        "elapsed_s": elapsed,
    }


def pickup_case(app, samples: int) -> list[float]:
    """Enqueue one job at a time to an idle worker: the wait between enqueue and start."""
    clear(app)
    thread = WorkerThread(app, 1, "bench-pickup")
    thread.start()
    time.sleep(1.0)
    ids = []
    with app.app_context():
        for i in range(samples):
            job_id = enqueue_job(app, f"bench_{i}")
            ids.append(job_id)
            while done_count(app, [job_id]) < 1:
                time.sleep(0.01)
    thread.stop()
    return pickup_latencies(app, ids)


def main() -> None:
    global JOB_SECONDS
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--job-seconds", type=float, default=JOB_SECONDS)
    args = parser.parse_args()
    JOB_SECONDS = args.job_seconds
    app = create_app()
    app.config["MSSP_WORKER_POLL_SECONDS"] = 0.5
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        server = db.session.execute(text("SHOW server_version")).scalar_one()
        db.session.remove()
    queue_tasks.JOBS = tuple(
        JobSpec(f"bench_{i}", "bench.job_queue:io_job", "interval", {"seconds": 3600}, record=False)
        for i in range(max(args.jobs, 20))
    )
    import logging

    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    logging.getLogger("app").setLevel(logging.WARNING)
    print(f"PostgreSQL {server}; {args.jobs} jobs of {JOB_SECONDS} s each")
    one = run_case(app, 1, args.jobs)
    two = run_case(app, 2, args.jobs)
    pickup = pickup_case(app, 20)
    clear(app)
    print(f"enqueue: {one['enqueue_per_s']:.0f} jobs/s (one connection, one at a time)")
    print(f"1 worker : {one['jobs_per_min']:.0f} jobs/min ({one['elapsed_s']:.1f} s)")
    print(
        f"2 workers: {two['jobs_per_min']:.0f} jobs/min ({two['elapsed_s']:.1f} s), "
        f"x{two['jobs_per_min'] / one['jobs_per_min']:.2f}"
    )
    print(
        f"pickup latency (enqueue -> start, idle worker, LISTEN/NOTIFY): "
        f"p50 {statistics.median(pickup) * 1000:.0f} ms, max {max(pickup) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
