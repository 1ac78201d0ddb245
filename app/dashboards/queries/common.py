"""What the aggregate queries share: running SQL with optional filters, rollup readiness."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.dashboards.models import rollup_state

#: Ticket statuses that count as open work.
OPEN_TICKET_STATUSES = ("open", "in_progress", "waiting_on_client")


def run(session: Session, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
    """Execute one SELECT and return all its rows."""
    return session.execute(text(sql), dict(params or {})).all()


def where(*conditions: str | None) -> str:
    """`WHERE a AND b` from the conditions that are not None ('' when none are left)."""
    kept = [c for c in conditions if c]
    return f"WHERE {' AND '.join(kept)}" if kept else ""


def uuid_list(ids: Iterable[uuid.UUID]) -> list[str]:
    """UUIDs as strings, for `= ANY(CAST(:ids AS uuid[]))`."""
    return [str(i) for i in ids]


def id_or_none(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class RollupStatus:
    """Which rollups `refresh_rollups` has built, read once per request."""

    refreshed_at: dict[str, datetime] = field(default_factory=dict)
    #: The day the revenue windows were computed for (None: never).
    revenue_windows_as_of: date | None = None

    def ready(self, name: str) -> bool:
        return name in self.refreshed_at

    @property
    def oldest_refresh(self) -> datetime | None:
        return min(self.refreshed_at.values()) if self.refreshed_at else None


def rollup_status(session: Session) -> RollupStatus:
    """The refresh state of every rollup (one small query)."""
    rows = session.execute(rollup_state.select()).all()
    as_of = next((row.as_of for row in rows if row.name == "revenue_windows"), None)
    return RollupStatus({row.name: row.refreshed_at for row in rows}, as_of)
