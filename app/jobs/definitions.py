"""The scheduled jobs, declared as data: what runs, when, and whether each run is recorded.

Times are UTC. `data_source_queries` is the job that keeps one APScheduler job per
active DataSourceQuery in step with the database (each query then runs on its own
interval or cron schedule); the others call one service function each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class JobSpec:
    id: str
    #: "module:function" (or the function); it takes a JobContext and returns a one-line report.
    func: str | Callable[..., str]
    #: "interval" or "cron", with APScheduler's trigger arguments (a string value that names
    #: an app config key, e.g. "MSSP_SCHEDULER_RELOAD_SECONDS", is read from the config).
    trigger: str
    trigger_args: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    #: Record every run in job_runs (failures are always recorded).
    record: bool = True
    #: Run once as soon as the scheduler starts, then on the trigger.
    run_at_start: bool = False
    #: Run inside the scheduler itself instead of going to the job queue's workers: only
    #: for what steers the scheduler (a "module:function" job is otherwise enqueued).
    in_scheduler: bool = False


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        id="data_source_queries",
        func="app.jobs.tasks:schedule_queries",
        trigger="interval",
        trigger_args={"seconds": "MSSP_SCHEDULER_RELOAD_SECONDS"},
        description="keep one job per active data-source query, on its own schedule",
        record=False,
        run_at_start=True,
        in_scheduler=True,
    ),
    JobSpec(
        id="contract_roll_over",
        func="app.jobs.tasks:roll_over",
        trigger="cron",
        trigger_args={"hour": 0, "minute": 5},
        description="contracts cross their dates: signed renewals start, the renewed step down, "
        "the overdue expire",
    ),
    JobSpec(
        id="subscription_snapshot",
        func="app.jobs.tasks:subscription_snapshot",
        trigger="cron",
        trigger_args={"hour": 0, "minute": 15},
        description="daily client subscription snapshot",
    ),
    JobSpec(
        id="sla_breaches",
        func="app.jobs.tasks:evaluate_sla_breaches",
        trigger="cron",
        trigger_args={"minute": 20},
        description="SLA breach evaluation (actual vs target), hourly",
    ),
    JobSpec(
        id="reconciliation",
        func="app.services.reconciliation.jobs:reconciliation_job",
        trigger="cron",
        trigger_args={"minute": 40},
        description="reconciliation: usage rollup of the last 2 days, this month's findings (hourly)",
        record=False,
    ),
    JobSpec(
        id="reconciliation_nightly",
        func="app.services.reconciliation.jobs:reconciliation_nightly_job",
        trigger="cron",
        trigger_args={"hour": 6, "minute": 5},
        description="reconciliation: usage rollup of the last 35 days, then the months due (before alerts)",
    ),
    JobSpec(
        id="alerts",
        func="app.services.alerts.evaluation:alerts_job",
        trigger="cron",
        trigger_args={"hour": 6, "minute": 30},
        description="alerts: renewals, expiries, SLA breaches, failing syncs; e-mail digests (daily)",
    ),
    JobSpec(
        id="client_reports",
        func="app.services.reports.schedules:reports_job",
        trigger="interval",
        trigger_args={"minutes": 15},
        description="client reports: generate the scheduled reports due today, send the approved ones",
    ),
    JobSpec(
        id="dashboard_rollups",
        func="app.dashboards.jobs:refresh_rollups_job",
        trigger="interval",
        trigger_args={"minutes": 5},
        description="dashboard rollups: take in the source rows changed since the last refresh",
        # 288 runs a day: failures are recorded, successes only logged.
        record=False,
        run_at_start=True,
    ),
    JobSpec(
        id="dashboard_rollups_nightly",
        func="app.dashboards.jobs:refresh_rollups_nightly_job",
        trigger="cron",
        trigger_args={"hour": 1, "minute": 10},
        description="dashboard rollups: recompute the last 35 days (deleted and moved rows)",
    ),
)
