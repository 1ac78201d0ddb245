"""What the demo builders share: the session, the seeded generator, the clock, what exists so far."""

from __future__ import annotations

import random
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from sqlalchemy.orm import Session

from app.models.catalog import Service
from app.models.clients import Client
from app.models.contracts import Contract, ContractStatus, ScopeUnit
from app.models.finance import FinancialTransaction
from app.models.hardware import ClientHardwareAssignment, HardwareAsset
from app.models.licensing import ClientLicense, LicensePool
from app.models.metrics import TicketSummary
from app.models.mixins import UUIDPrimaryKeyMixin
from app.models.users import MsspUser

#: Fixed seed: the same data set on every machine (dates follow the day it runs).
DEMO_SEED = 20261125

#: Units billed once (a day of testing, an hour of IR), not every month.
ONE_OFF_UNITS = frozenset({ScopeUnit.DAY, ScopeUnit.HOUR})

#: Contract statuses that were (or are) in force for their whole term.
SIGNED_STATUSES = frozenset(
    {ContractStatus.ACTIVE, ContractStatus.RENEWED, ContractStatus.EXPIRED, ContractStatus.TERMINATED}
)

T = TypeVar("T")


@dataclass
class DemoContext:
    session: Session
    now: datetime
    #: email -> demo user (the MSSP team).
    team: dict[str, MsspUser]
    rng: random.Random = field(default_factory=lambda: random.Random(DEMO_SEED))
    counts: Counter[str] = field(default_factory=Counter)
    services: dict[str, Service] = field(default_factory=dict)
    clients: list[Client] = field(default_factory=list)
    #: client id -> its contracts, oldest first (a trailing DRAFT renewal included).
    contracts: dict[uuid.UUID, list[Contract]] = field(default_factory=dict)
    #: client id -> its account manager.
    account_managers: dict[uuid.UUID, MsspUser] = field(default_factory=dict)
    pools: list[LicensePool] = field(default_factory=list)
    licenses: list[ClientLicense] = field(default_factory=list)
    assets: list[HardwareAsset] = field(default_factory=list)
    #: asset id -> purchase date and price (the cost transaction is made from these).
    purchases: dict[uuid.UUID, tuple[date, Decimal]] = field(default_factory=dict)
    assignments: list[ClientHardwareAssignment] = field(default_factory=list)
    tickets: list[TicketSummary] = field(default_factory=list)
    transactions: list[FinancialTransaction] = field(default_factory=list)

    @property
    def today(self) -> date:
        return self.now.date()

    def add(self, kind: str, obj: T) -> T:
        """Add `obj` to the session and count it under `kind`.

        The id is set now, not at flush, so the builders can key dictionaries on it.
        """
        if isinstance(obj, UUIDPrimaryKeyMixin) and obj.id is None:
            obj.id = uuid.uuid4()
        self.session.add(obj)
        self.counts[kind] += 1
        return obj

    def user(self, email: str) -> MsspUser | None:
        return self.team.get(email)

    def signed_contracts(self, client: Client) -> list[Contract]:
        return [c for c in self.contracts.get(client.id, []) if c.status in SIGNED_STATUSES]

    def latest_signed(self, client: Client) -> Contract | None:
        signed = self.signed_contracts(client)
        return signed[-1] if signed else None

    def contract_on(self, client: Client, day: date) -> Contract | None:
        """The signed contract in force on `day`, if any."""
        for contract in self.signed_contracts(client):
            if contract.start_date <= day <= contract.end_date:
                return contract
        return None


def money(value: float | Decimal) -> Decimal:
    """Round to cents, the way an invoice does."""
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (clamped to the month's last day)."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    first = date(year, month + 1, 1)
    next_first = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return first.replace(day=min(day.day, (next_first - timedelta(days=1)).day))


def month_end(day: date) -> date:
    return add_months(month_start(day), 1) - timedelta(days=1)


def recurring_monthly(contract: Contract) -> Decimal:
    """What the contract bills every month (one-off units excluded)."""
    return money(
        sum((s.price * s.quantity for s in contract.scopes if s.unit not in ONE_OFF_UNITS), Decimal(0))
    )


def one_off_total(contract: Contract) -> Decimal:
    return money(sum((s.price * s.quantity for s in contract.scopes if s.unit in ONE_OFF_UNITS), Decimal(0)))


def term_months(contract: Contract) -> int:
    return (
        (contract.end_date.year - contract.start_date.year) * 12
        + (contract.end_date.month - contract.start_date.month)
        + 1
    )


def slug(text: str) -> str:
    """ASCII, lower case, dashes: for e-mail local parts and document file names."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(ch if ch.isalnum() else " " for ch in ascii_text.lower()).split())
