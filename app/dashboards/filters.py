"""Dashboard filters as they travel in the URL: date range (preset or custom), client, service.

Pure: no request, no database. `DashboardFilters.from_args` parses a query string
(`?range=quarter&client=<uuid>&service=<uuid>` or `?range=custom&from=2026-01-01&to=2026-03-31`)
and `to_args` writes it back, so a view can be shared as a link.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from app.errors import ValidationFailed

#: preset -> (label, days ending today, inclusive).
PRESETS: dict[str, tuple[str, int]] = {
    "30d": ("30 days", 30),
    "quarter": ("Quarter (90 days)", 90),
    "year": ("Year (365 days)", 365),
}
CUSTOM = "custom"
DEFAULT_PRESET = "quarter"
#: A custom range longer than this is refused: weekly buckets keep every chart readable.
MAX_RANGE_DAYS = 5 * 366

#: Metric buckets, finest first: (name, length). The first one giving at most
#: TARGET_POINTS buckets over the range is used (a chart is ~500 px wide: more
#: points draw nothing more, and cost time to build and send); 2,000 per trace is
#: the hard cap.
METRIC_BUCKETS: tuple[tuple[str, timedelta], ...] = (
    ("hour", timedelta(hours=1)),
    ("2 hours", timedelta(hours=2)),
    ("6 hours", timedelta(hours=6)),
    ("day", timedelta(days=1)),
    ("week", timedelta(weeks=1)),
)
TARGET_POINTS = 400
MAX_POINTS = 2000


class FilterError(ValidationFailed):
    """A filter in the URL cannot be understood; the message says which and why."""


@dataclass(frozen=True)
class DashboardFilters:
    """What a dashboard shows: a date range (inclusive, UTC days), optionally one client and service."""

    preset: str
    date_from: date
    date_to: date
    client_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None

    @classmethod
    def default(cls, today: date) -> DashboardFilters:
        return cls.for_preset(DEFAULT_PRESET, today)

    @classmethod
    def for_preset(cls, preset: str, today: date, **others: uuid.UUID | None) -> DashboardFilters:
        days = PRESETS[preset][1]
        return cls(preset, today - timedelta(days=days - 1), today, **others)

    @classmethod
    def from_args(cls, args: Mapping[str, str], today: date) -> DashboardFilters:
        """Parse URL arguments; raise FilterError with a readable message when one is wrong."""
        client_id = _uuid_arg(args, "client")
        service_id = _uuid_arg(args, "service")
        preset = (args.get("range") or "").strip() or (CUSTOM if args.get("from") else DEFAULT_PRESET)
        if preset in PRESETS:
            return cls.for_preset(preset, today, client_id=client_id, service_id=service_id)
        if preset != CUSTOM:
            raise FilterError(f"Unknown date range {preset!r}: use {', '.join([*PRESETS, CUSTOM])}.", "range")
        date_from, date_to = _date_arg(args, "from"), _date_arg(args, "to", default=today)
        if date_from is None:
            raise FilterError("A custom date range needs a start date (from=YYYY-MM-DD).", "from")
        if date_to < date_from:
            raise FilterError("The end of the date range is before its start.", "to")
        if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
            raise FilterError(f"A date range may span at most {MAX_RANGE_DAYS} days.", "from")
        return cls(CUSTOM, date_from, date_to, client_id, service_id)

    def to_args(self) -> dict[str, str]:
        """The URL arguments that reproduce these filters."""
        args = {"range": self.preset}
        if self.preset == CUSTOM:
            args |= {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        if self.client_id:
            args["client"] = str(self.client_id)
        if self.service_id:
            args["service"] = str(self.service_id)
        return args

    def with_client(self, client_id: uuid.UUID | None) -> DashboardFilters:
        return replace(self, client_id=client_id)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def start(self) -> datetime:
        """The first instant of the range (UTC)."""
        return datetime.combine(self.date_from, time.min).replace(tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the range (UTC): ranges are half-open in SQL."""
        return datetime.combine(self.date_to + timedelta(days=1), time.min).replace(tzinfo=UTC)

    @property
    def first_month(self) -> date:
        return self.date_from.replace(day=1)

    @property
    def last_month(self) -> date:
        return self.date_to.replace(day=1)

    @property
    def label(self) -> str:
        if self.preset in PRESETS:
            return PRESETS[self.preset][0]
        return f"{self.date_from:%d %b %Y} – {self.date_to:%d %b %Y}"

    def metric_bucket(self) -> tuple[str, timedelta]:
        """The finest bucket that keeps a time series at most TARGET_POINTS long."""
        span = self.end - self.start
        for name, length in METRIC_BUCKETS:
            if span / length <= TARGET_POINTS:
                return name, length
        return METRIC_BUCKETS[-1]


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def _uuid_arg(args: Mapping[str, str], name: str) -> uuid.UUID | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise FilterError(f"{name}={value!r} is not a valid id.", name) from None


def _date_arg(args: Mapping[str, str], name: str, default: date | None = None) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"{name}={value!r} is not a date (YYYY-MM-DD).", name) from None
