"""The time zone a person reads and types times in: a profile setting, UTC by default.

Times are stored timezone-aware in UTC (STYLE.md); only screens convert them. The REST API
always answers in UTC with an offset (`2026-01-05T09:30:00+00:00`), whoever asks.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache

DEFAULT_TIME_ZONE = "UTC"


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """The IANA names a person may choose (`Europe/Berlin`), UTC first."""
    names = sorted(
        name for name in zoneinfo.available_timezones() if "/" in name and not name.startswith("Etc/")
    )
    return (DEFAULT_TIME_ZONE, *names)


def is_time_zone(name: str | None) -> bool:
    return bool(name) and name in time_zone_names()


def zone_of(name: str | None) -> dt.tzinfo:
    """The zone named `name`; UTC for an empty or unknown name (a stored name never fails a page)."""
    if not is_time_zone(name) or name == DEFAULT_TIME_ZONE:
        return dt.UTC
    return zoneinfo.ZoneInfo(name)


def in_zone(moment: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """`moment` in `zone`, whole seconds; a naive `moment` is read as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone).replace(microsecond=0)


def zone_abbreviation(moment: dt.datetime) -> str:
    """"UTC", "CET", "CEST", or the offset ("+0530") where a zone has no letters."""
    name = moment.tzname() or ""
    return name if name[:1].isalpha() else moment.strftime("%z")
