"""The job functions: each gets a JobContext, calls a service, returns a one-line report.

They run inside an app context made for them by the scheduler (app.jobs.scheduler).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import Flask

from app.services.contract_counting import roll_over_contracts
from app.services.sla import evaluate_breaches
from app.services.snapshots import take_subscription_snapshot


class Reconciler(Protocol):
    def reconcile(self) -> str: ...


@dataclass
class JobContext:
    app: Flask
    now: datetime  # UTC
    query_schedules: Reconciler | None = None


def roll_over(ctx: JobContext) -> str:
    return str(roll_over_contracts(ctx.now.date()))


def subscription_snapshot(ctx: JobContext) -> str:
    return f"{take_subscription_snapshot(ctx.now.date())} snapshot row(s) for {ctx.now.date()}"


def evaluate_sla_breaches(ctx: JobContext) -> str:
    return str(evaluate_breaches(ctx.now))


def schedule_queries(ctx: JobContext) -> str:
    if ctx.query_schedules is None:
        return "no query scheduling in this process"
    return ctx.query_schedules.reconcile()
