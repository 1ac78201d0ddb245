"""A report's period: a month (`2026-10`), a quarter (`2026-Q4`) or a custom range of days.

Pure: no request, no database. `ReportPeriod.parse` reads the URL's `period=` (or `from=`/`to=`
for a custom range) and refuses anything else with a message naming the field.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from app.dashboards.filters import CUSTOM, MAX_RANGE_DAYS, DashboardFilters, FilterError

MONTH, QUARTER = "month", "quarter"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class ReportPeriod:
    kind: str
    start: date
    #: The last day of the period (inclusive).
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> ReportPeriod:
        first = date(year, month, 1)
        return cls(MONTH, first, _month_end(first))

    @classmethod
    def quarter(cls, year: int, number: int) -> ReportPeriod:
        first = date(year, 3 * (number - 1) + 1, 1)
        return cls(QUARTER, first, _month_end(date(year, 3 * number, 1)))

    @classmethod
    def custom(cls, start: date, end: date) -> ReportPeriod:
        if end < start:
            raise FilterError("The end of the period is before its start.", "to")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise FilterError(f"A period may span at most {MAX_RANGE_DAYS} days.", "from")
        return cls(CUSTOM, start, end)

    @classmethod
    def parse(
        cls, value: str | None, date_from: str | None = None, date_to: str | None = None
    ) -> ReportPeriod:
        """`2026-10`, `2026-Q4`, `2026-10-01..2026-10-15`, or from=/to= dates; FilterError otherwise."""
        text = (value or "").strip()
        if not text and (date_from or date_to):
            text = f"{(date_from or '').strip()}..{(date_to or '').strip()}"
        if not text:
            raise FilterError(
                "Say which period: period=YYYY-MM, YYYY-Qn or from=YYYY-MM-DD&to=YYYY-MM-DD.", "period"
            )
        try:
            if match := _MONTH.match(text):
                year, month = int(match[1]), int(match[2])
                if not 1 <= month <= 12:
                    raise ValueError
                return cls.month(year, month)
            if match := _QUARTER.match(text):
                return cls.quarter(int(match[1]), int(match[2]))
            if match := _RANGE.match(text):
                return cls.custom(date.fromisoformat(match[1]), date.fromisoformat(match[2]))
        except ValueError:
            pass
        raise FilterError(
            f"period={text!r} is not a period: use YYYY-MM (a month), YYYY-Qn (a quarter) "
            "or from=YYYY-MM-DD&to=YYYY-MM-DD.",
            "period",
        )

    @classmethod
    def last_completed(cls, kind: str, today: date) -> ReportPeriod:
        """The month or quarter that ended most recently before `today`."""
        if kind == QUARTER:
            this_quarter = (today.month - 1) // 3 + 1
            year, number = (today.year, this_quarter - 1) if this_quarter > 1 else (today.year - 1, 4)
            return cls.quarter(year, number)
        last = today.replace(day=1) - timedelta(days=1)
        return cls.month(last.year, last.month)

    @property
    def key(self) -> str:
        """What `parse` reads back: `2026-10`, `2026-Q4` or `2026-10-01..2026-10-15`."""
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return f"{self.start:%B %Y}"
        if self.kind == QUARTER:
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> ReportPeriod:
        """The period of the same kind and length just before this one (for "changes since")."""
        if self.kind == MONTH:
            last = self.start - timedelta(days=1)
            return ReportPeriod.month(last.year, last.month)
        if self.kind == QUARTER:
            last = self.start - timedelta(days=1)
            return ReportPeriod.quarter(last.year, (last.month - 1) // 3 + 1)
        return ReportPeriod(CUSTOM, self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def filters(self, client_id: uuid.UUID) -> DashboardFilters:
        """The dashboard's filters for this client and period: the figures come from the same queries."""
        return DashboardFilters(CUSTOM, self.start, self.end, client_id)
