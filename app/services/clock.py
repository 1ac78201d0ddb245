"""The business day: dates are compared in UTC, whatever the server's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime


def today_utc() -> date:
    """Today's date in UTC (what "expired", "in the future" and "today" mean in the rules)."""
    return datetime.now(UTC).date()
