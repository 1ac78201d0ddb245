"""The job queue (procrastinate on this PostgreSQL): workers run what the scheduler enqueues,
retry with a backoff, record the last failure in job_runs, never run one lock twice at once,
and give the jobs of a dead worker to another."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.jobs.definitions import JobSpec
from app.jobs.scheduler import SchedulerProcess
from app.models.sync import JobRun, JobRunStatus, RunTrigger
from app.queue import tasks as queue_tasks
from app.queue.dispatch import enqueue_job, enqueue_query_run, query_lock
from app.queue.engine import queue_app
from app.queue.worker import WorkerThread, retry_stalled_jobs

pytest_plugins = ("tests.fakes.fixtures",)

PATIENCE = 60.0
CALLS: list[tuple[str, float, float]] = []


def wait_for(condition, timeout: float = PATIENCE) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def fine_job(ctx) -> str:
    CALLS.append(("fine", time.monotonic(), time.monotonic()))
    return "all fine"


def broken_job(ctx) -> str:
    CALLS.append(("broken", time.monotonic(), time.monotonic()))
    raise RuntimeError("the report server is down")


def clear_queue(app) -> None:
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, "
                "procrastinate_workers CASCADE"
            )
        )
        conn.execute(JobRun.__table__.delete().where(JobRun.job_id.like("qt_%")))


@pytest.fixture
def queue(app, monkeypatch):
    """An empty queue, quick retries, and test jobs known to the workers of this process."""
    monkeypatch.setitem(app.config, "MSSP_JOB_MAX_ATTEMPTS", 2)
    monkeypatch.setitem(app.config, "MSSP_JOB_RETRY_SECONDS", 0.5)
    monkeypatch.setitem(app.config, "MSSP_WORKER_POLL_SECONDS", 0.2)
    monkeypatch.setitem(app.config, "MSSP_WORKER_HEARTBEAT_SECONDS", 1)
    monkeypatch.setitem(app.config, "MSSP_WORKER_STALLED_SECONDS", 3)
    monkeypatch.setattr(
        queue_tasks,
        "JOBS",
        (
            JobSpec("qt_fine", f"{__name__}:fine_job", "interval", {"seconds": 3600}),
            JobSpec("qt_broken", f"{__name__}:broken_job", "interval", {"seconds": 3600}),
        ),
    )
    CALLS.clear()
    clear_queue(app)
    workers: list[WorkerThread] = []

    def start_worker(concurrency: int = 2) -> WorkerThread:
        worker = WorkerThread(app, concurrency, f"test-worker-{len(workers)}")
        worker.start()
        workers.append(worker)
        return worker

    yield start_worker
    for worker in workers:
        worker.stop()
    clear_queue(app)


def job_runs(app, job_id: str) -> list[JobRun]:
    with app.app_context():
        runs = db.session.scalars(select(JobRun).where(JobRun.job_id == job_id)).all()
        db.session.expunge_all()
        return list(runs)


def job_status(app, job_id: int) -> str:
    with app.app_context():
        return queue_app(app).job_manager.get_job_status(job_id).value


def test_an_enqueued_job_runs_on_a_worker_and_is_recorded(app, queue):
    with app.app_context():
        job_id = enqueue_job(app, "qt_fine")
        assert enqueue_job(app, "qt_fine") is None  # one waits already: not queued twice
    queue()
    assert wait_for(lambda: job_status(app, job_id) == "succeeded")
    [run] = job_runs(app, "qt_fine")
    assert run.status is JobRunStatus.SUCCESS and run.detail == "all fine"
    assert [name for name, *_ in CALLS] == ["fine"]


def test_a_failing_job_is_retried_then_recorded_failed_with_its_error(app, queue):
    with app.app_context():
        job_id = enqueue_job(app, "qt_broken")
    queue()
    assert wait_for(lambda: job_status(app, job_id) == "failed")
    assert [name for name, *_ in CALLS] == ["broken", "broken"]  # MSSP_JOB_MAX_ATTEMPTS = 2
    [run] = job_runs(app, "qt_broken")  # the first attempt left no failure behind: only the last
    assert run.status is JobRunStatus.FAILED
    assert run.detail == "RuntimeError: the report server is down (after 2 attempt(s))"


def test_two_runs_of_one_query_never_overlap(app, queue, monkeypatch):
    query_id = uuid.uuid4()

    def slow_run(qid, ctx, trigger=RunTrigger.SCHEDULE) -> str:
        start = time.monotonic()
        time.sleep(0.6)
        CALLS.append((trigger.value, start, time.monotonic()))
        return "done"

    monkeypatch.setattr(queue_tasks, "run_query_job", slow_run)
    with app.app_context():
        scheduled = enqueue_query_run(app, query_id, RunTrigger.SCHEDULE)
        manual = enqueue_query_run(app, query_id, RunTrigger.MANUAL)
        assert enqueue_query_run(app, query_id, RunTrigger.MANUAL) == manual  # the waiting one
    queue(concurrency=2)
    assert wait_for(lambda: {job_status(app, scheduled), job_status(app, manual)} == {"succeeded"})
    (_, start_a, end_a), (_, start_b, end_b) = sorted(CALLS, key=lambda c: c[1])
    assert end_a <= start_b  # two free worker slots, yet one after the other


def test_the_job_of_a_dead_worker_goes_to_another_worker(app, queue):
    """A worker that stops beating (SIGKILL, host lost) leaves a job in `doing`: the leader's
    check puts it back and a live worker completes it."""
    with app.app_context():
        job_id = enqueue_job(app, "qt_fine")
        with db.engine.begin() as conn:  # what a worker killed mid-job leaves behind
            dead = conn.execute(
                text("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (:at) RETURNING id"),
                {"at": datetime.now(UTC) - timedelta(minutes=5)},
            ).scalar_one()
            conn.execute(
                text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w WHERE id = :id"),
                {"w": dead, "id": job_id},
            )
        assert retry_stalled_jobs(app) == [job_id]
        assert retry_stalled_jobs(app) == []  # once
    queue()
    assert wait_for(lambda: job_status(app, job_id) == "succeeded")
    assert [run.status for run in job_runs(app, "qt_fine")] == [JobRunStatus.SUCCESS]


def test_the_scheduler_enqueues_what_is_due_and_its_own_worker_threads_run_it(app, queue, monkeypatch):
    """One process (`make run`): the scheduler's worker threads run what it enqueued."""
    import random

    monkeypatch.setitem(app.config, "MSSP_SCHEDULER_LOCK_KEY", random.randint(10**9, 2 * 10**9))
    monkeypatch.setitem(app.config, "MSSP_SCHEDULER_LOCK_POLL_SECONDS", 0.2)
    monkeypatch.setitem(app.config, "MSSP_SCHEDULER_WORKERS", 1)
    jobs = (JobSpec("qt_fine", f"{__name__}:fine_job", "interval", {"seconds": 3600}, run_at_start=True),)
    process = SchedulerProcess(app, jobs, name="qt-scheduler")
    thread = threading.Thread(target=process.run, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: len(job_runs(app, "qt_fine")) == 1)
        assert [name for name, *_ in CALLS] == ["fine"]
    finally:
        process.stop()
        thread.join(PATIENCE)
    assert not thread.is_alive() and not process.worker_threads
    assert query_lock("x") == "query:x"


def test_run_now_through_the_api_answers_202_at_once_and_the_progress_shows_the_run(
    app, queue, encryption_key, fake_jira
):
    from app.models.clients import Client
    from app.models.metrics import TicketSummary
    from tests.factories import make_client
    from tests.fakes.jira import make_issue
    from tests.fakes.records import jira_cloud_source, make_query, map_client
    from tests.web.auth_helpers import api_token, bearer

    fake_jira.issues = [make_issue("ACME-1", "Phishing wave"), make_issue("ACME-2", "EDR offline")]
    with app.app_context():  # committed for real: the worker has connections of its own
        client = make_client(db.session, "Queue Test Corp")
        source = jira_cloud_source(db.session, fake_jira.url, name="Queue Jira")
        map_client(db.session, source, client, "ACME")
        query_id = make_query(db.session, source, name="Queue tickets").id
        client_id, source_id = client.id, source.id
        db.session.commit()
        db.session.remove()
    try:
        api = app.test_client()
        headers = bearer(api_token(api, "admin@test.example"))
        refused = api.post(f"/api/v1/data_source_query/{query_id}/run?wait=maybe", headers=headers)
        assert refused.status_code == 400 and refused.get_json()["field"] == "wait"

        answer = api.post(f"/api/v1/data_source_query/{query_id}/run?wait=false", headers=headers)
        assert answer.status_code == 202, answer.get_json()
        body = answer.get_json()
        assert body["status"] == "todo"
        waiting = api.get(body["progress_url"], headers=headers).get_json()
        assert (waiting["status"], waiting["finished"], waiting["run"]) == ("todo", False, None)

        queue()
        assert wait_for(lambda: api.get(body["progress_url"], headers=headers).get_json()["finished"])
        done = api.get(body["progress_url"], headers=headers).get_json()
        assert done["status"] == "succeeded" and done["query_id"] == str(query_id)
        assert (done["run"]["status"], done["run"]["rows_inserted"], done["run"]["trigger"]) == (
            "success",
            2,
            "manual",
        )
        assert api.get("/api/v1/data_source_query/run_progress/99999999", headers=headers).status_code == 404
        assert api.get(f"/api/v1/data_source_query/run_progress/{2**64}", headers=headers).status_code == 404
    finally:
        with app.app_context():
            db.session.execute(TicketSummary.__table__.delete().where(TicketSummary.client_id == client_id))
            db.session.execute(text("DELETE FROM external_data_sources WHERE id = :id"), {"id": source_id})
            db.session.execute(Client.__table__.delete().where(Client.id == client_id))
            db.session.commit()
