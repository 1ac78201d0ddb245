"""Keep the dashboard rollups fresh: `refresh_rollups()` is what the scheduler calls.

Incremental by default: each rollup remembers a watermark (the start of its last
refresh) and recomputes only the buckets of source rows changed since then
(`updated_at`, with a 10-minute overlap for transactions that committed late).
`since=` recomputes every bucket from that moment on, which also catches rows
deleted or moved there; `full=True` rebuilds everything. A rollup never built
is rebuilt in full. The revenue windows are recomputed whole on the first
refresh of each day (they end today).

Deleted source rows, and rows whose date moved out of a bucket, are not seen by
the incremental mode: schedule a `since=` refresh over the last weeks nightly.
Refreshes take a transaction-level advisory lock, so two never run at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.dashboards import rollup_steps as steps
from app.dashboards.models import ROLLUP_TABLES, rollup_state
from app.dashboards.rollup_steps import RefreshWindow
from app.services.clock import today_utc
from app.services.transaction import session_or_default, unit_of_work

#: Changes committed up to this long after a refresh started are still picked up by the next.
OVERLAP = timedelta(minutes=10)
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('mssp.dashboards.refresh_rollups'))"

#: name -> step; the revenue windows are handled apart (they depend on the day).
STEPS: dict[str, Callable[[Session, RefreshWindow], int]] = {
    "metrics": steps.refresh_metrics,
    "sla": steps.refresh_sla,
    "tickets": steps.refresh_tickets,
    "finance": steps.refresh_finance,
    "client_revenue": steps.refresh_client_revenue,
}
REVENUE_WINDOWS = "revenue_windows"


@dataclass
class RollupReport:
    """What a refresh did: buckets (hours, months, weeks, clients) recomputed per rollup."""

    recomputed: dict[str, int] = field(default_factory=dict)
    rebuilt: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for a job log: what was recomputed, and how long it took."""
        parts = [f"{name} {count}" for name, count in self.recomputed.items()]
        rebuilt = f"; rebuilt {', '.join(self.rebuilt)}" if self.rebuilt else ""
        return f"rollups refreshed in {self.seconds:.2f} s ({', '.join(parts)}{rebuilt})"

    def lines(self) -> list[str]:
        kinds = {
            "metrics": "hours",
            "sla": "months",
            "tickets": "weeks",
            "finance": "months",
            "client_revenue": "client-months",
            REVENUE_WINDOWS: "clients",
        }
        return [
            f"{name}: {count} {kinds[name]} recomputed{' (full rebuild)' if name in self.rebuilt else ''}"
            for name, count in self.recomputed.items()
        ]


def refresh_rollups(
    since: datetime | None = None,
    full: bool = False,
    session: Session | None = None,
    today: date | None = None,
) -> RollupReport:
    """Bring every dashboard rollup up to date in one transaction; return what was recomputed.

    since: recompute every bucket from this moment (UTC) on, whatever changed.
    full: rebuild every rollup from the source tables.
    """
    session = session_or_default(session)
    today = today or today_utc()
    report = RollupReport()
    started = time.perf_counter()
    with unit_of_work(session):
        session.execute(text(_LOCK))
        started_at = session.execute(text("SELECT now()")).scalar_one()
        states = {row.name: row for row in session.execute(rollup_state.select())}
        for name, step in STEPS.items():
            window = _window(states.get(name), since, full)
            report.recomputed[name] = step(session, window)
            if window.full:
                report.rebuilt.append(name)
            _save_state(session, name, started_at)
        windows_state = states.get(REVENUE_WINDOWS)
        window = _window(windows_state, since, full)
        as_of = windows_state.as_of if windows_state is not None else None
        report.recomputed[REVENUE_WINDOWS] = steps.refresh_revenue_windows(session, window, today, as_of)
        if window.full or since is not None or as_of != today:
            report.rebuilt.append(REVENUE_WINDOWS)
        _save_state(session, REVENUE_WINDOWS, started_at, as_of=today)
        if report.rebuilt:
            for table in ROLLUP_TABLES:
                session.execute(text(f"ANALYZE {table.name}"))
    report.seconds = time.perf_counter() - started
    return report


def _window(state, since: datetime | None, full: bool) -> RefreshWindow:
    if full or state is None or state.watermark is None:
        return RefreshWindow(full=True)
    if since is not None:
        return RefreshWindow(since=since)
    return RefreshWindow(changed_since=state.watermark - OVERLAP)


def _save_state(session: Session, name: str, watermark: datetime, as_of: date | None = None) -> None:
    values = {"name": name, "watermark": watermark, "refreshed_at": text("clock_timestamp()"), "as_of": as_of}
    statement = insert(rollup_state).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[rollup_state.c.name],
            set_={k: statement.excluded[k] for k in ("watermark", "refreshed_at", "as_of")},
        )
    )
