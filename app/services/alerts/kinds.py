"""The alert kinds as data: label, what their levels mean, defaults, who gets them, where they link.

No database and no Flask here: the rules (app.services.alerts.rules), the evaluation
(app.services.alerts.evaluation), the screens and the e-mails all read this one table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.models.alerts import AlertKind


class LevelMeaning(enum.Enum):
    """How a kind reads its levels, and which level is due."""

    DAYS_BEFORE = "days before the date"  # due: the smallest lead time already reached
    DAYS_AFTER = "days after the date"  # due: the largest overdue step reached
    PERCENT = "percent used"  # due: the largest threshold reached
    RUNS = "failed runs in a row"  # due: the largest count reached
    NONE = "fires when it happens"  # one level, 0, not configurable
    AMOUNT = "money at stake at or above"  # due: the largest amount reached (in the finding's currency)
    MONTHS = "months in a row"  # due: the largest count reached


class Audience(enum.Enum):
    """Who receives a kind's alerts."""

    CLIENT_OWNER = "the client's account manager, else the Managers"
    MANAGERS = "the Managers"
    ADMINS = "the Admins"


@dataclass(frozen=True)
class KindInfo:
    kind: AlertKind
    label: str
    meaning: LevelMeaning
    default_levels: tuple[int, ...]
    audience: Audience
    #: The FAB view endpoint of the record's page, and the resource that may read it.
    view: str
    resource: str

    @property
    def configurable(self) -> bool:
        return self.meaning is not LevelMeaning.NONE

    @property
    def is_condition(self) -> bool:
        """A state that comes and goes (numbered episodes), not a date counted down to."""
        return self.meaning in (LevelMeaning.PERCENT, LevelMeaning.RUNS, LevelMeaning.NONE)


#: The issue's defaults: 90, 60, 30 and 7 days before renewals and expiries.
LEAD_TIMES = (90, 60, 30, 7)

KINDS: dict[AlertKind, KindInfo] = {
    info.kind: info
    for info in (
        KindInfo(AlertKind.CONTRACT_RENEWAL, "Contract renewal", LevelMeaning.DAYS_BEFORE, LEAD_TIMES,
                 Audience.CLIENT_OWNER, "ContractView.show", "Contract"),
        KindInfo(AlertKind.CONTRACT_END, "Contract end", LevelMeaning.DAYS_BEFORE, LEAD_TIMES,
                 Audience.CLIENT_OWNER, "ContractView.show", "Contract"),
        KindInfo(AlertKind.LICENSE_POOL_EXPIRY, "License pool expiry", LevelMeaning.DAYS_BEFORE, LEAD_TIMES,
                 Audience.MANAGERS, "LicensePoolView.show", "LicensePool"),
        KindInfo(AlertKind.CLIENT_LICENSE_EXPIRY, "Client license expiry", LevelMeaning.DAYS_BEFORE,
                 LEAD_TIMES, Audience.CLIENT_OWNER, "ClientLicenseView.show", "ClientLicense"),
        KindInfo(AlertKind.LICENSE_POOL_UTILISATION, "License pool utilisation", LevelMeaning.PERCENT, (90,),
                 Audience.MANAGERS, "LicensePoolView.show", "LicensePool"),
        KindInfo(AlertKind.SLA_METRIC_BREACH, "SLA metric breach", LevelMeaning.NONE, (0,),
                 Audience.CLIENT_OWNER, "SLAMetricView.show", "SLAMetric"),
        KindInfo(AlertKind.TICKET_SLA_BREACH, "Ticket SLA breach", LevelMeaning.NONE, (0,),
                 Audience.CLIENT_OWNER, "TicketView.show", "TicketSummary"),
        KindInfo(AlertKind.DATA_SOURCE_FAILING, "Data-source query failing", LevelMeaning.RUNS, (3,),
                 Audience.ADMINS, "DataSourceQueryView.show", "DataSourceQuery"),
        KindInfo(AlertKind.HARDWARE_OVERDUE, "Hardware not returned", LevelMeaning.DAYS_AFTER, (1,),
                 Audience.CLIENT_OWNER, "HardwareAssignmentView.show", "ClientHardwareAssignment"),
        # Once per finding and month (the record is that month's finding: app.services.reconciliation).
        KindInfo(AlertKind.RECONCILIATION_FINDING, "Reconciliation finding", LevelMeaning.AMOUNT, (1000,),
                 Audience.CLIENT_OWNER, "ReconciliationFindingView.show", "ReconciliationFinding"),
        KindInfo(AlertKind.RECONCILIATION_PERSISTS, "Reconciliation finding persists", LevelMeaning.MONTHS,
                 (3,), Audience.CLIENT_OWNER, "ReconciliationFindingView.show", "ReconciliationFinding"),
    )
}

#: Upper bounds of a level, by meaning: a lead time of more than two years is a typo.
LEVEL_LIMITS: dict[LevelMeaning, tuple[int, int]] = {
    LevelMeaning.DAYS_BEFORE: (0, 730),
    LevelMeaning.DAYS_AFTER: (1, 730),
    LevelMeaning.PERCENT: (1, 100),
    LevelMeaning.RUNS: (1, 1000),
    LevelMeaning.NONE: (0, 0),
    LevelMeaning.AMOUNT: (1, 100_000_000),
    LevelMeaning.MONTHS: (2, 120),
}
MAX_LEVELS = 10


def due_level(meaning: LevelMeaning, levels: tuple[int, ...], measure: int | float) -> int | None:
    """The level due now, or None.

    `measure` is the days left before the date (DAYS_BEFORE), the days past it
    (DAYS_AFTER), the percentage used, or the failed runs in a row. A run that was late
    or skipped days fires the level that is due now, not the ones it missed: a 90-day
    notice sent with 50 days left says nothing the 60-day one does not.
    """
    if meaning is LevelMeaning.DAYS_BEFORE:
        if measure < 0:
            return None
        reached = [level for level in levels if level >= measure]
        return min(reached) if reached else None
    if meaning is LevelMeaning.NONE:
        return 0
    reached = [level for level in levels if measure >= level]
    return max(reached) if reached else None
