"""Reconciliation rules: entitled against deployed against billed, for one month (no database here).

The one place where a reconciliation's numbers are computed. `reconcile_month` takes what
the month's records say (app.services.reconciliation.sources reads them) and returns one
`Line` per service scope in force, plus one per (client, service) deployed without a
scope, each with its `Finding`s:

- a scope is *in force* in a month when its contract is signed (active, expired or
  renewed; a draft or terminated one is not) and the contract's dates, narrowed by the
  scope's SAF service dates when set, touch the month. Scopes bill whole months: a scope
  in force on any day of the month is entitled for all of it.
- *entitled*: the scope's quantity (its allowance, for a volume-priced service) and its
  value, quantity x price (the scope's price is per unit and month).
- *deployed*: the month's maximum or average (as the service says) of the metric the
  service names, per client; several scopes of one service for one client share it in
  contract order, each filled up to its quantity, the last taking the rest. Assigned
  license seats (from pools tied to the service) are shared the same way.
- *billed*: revenue linked to the scope in the month, plus revenue linked to its contract
  without a scope, shared among the contract's scopes in proportion to their entitled
  value (cents rounded half up, the remainder to the last scope). *Cost*: the seats at
  their pool's cost per seat, plus cost transactions linked the same way.
- Amounts in another currency than the scope's are never added in: they are named in the
  line's notes, and billing that cannot be compared makes the line not reconcilable.

Findings (value = the money at stake, in the line's currency, quantities rounded to
cents, money half up):

| kind | when (t = the service's tolerance, %) | quantity | value |
|---|---|---|---|
| over_deployed | deployed > entitled x (1 + t) | deployed - entitled | quantity x price |
| under_billed | billed < entitled value x (1 - t) | - | entitled value - billed |
| seats_above_deployed | seats > deployed x (1 + t) | seats - deployed | quantity x the seats' average cost |
| no_contract | deployed > 0, no scope in force | deployed | quantity x the catalog's base price |
| not_reconcilable | no metric on the service (or no allowance, or billing in another currency) | - | 0 |
| overage | usage > allowance x (1 + t) | usage - allowance | quantity x entitled value / allowance |
| under_use | usage < allowance x (1 - t) | allowance - usage | quantity x entitled value / allowance |

The tolerance decides whether there is a finding; a finding is always the whole gap.
Revenue at risk is the sum of the revenue kinds (`REVENUE_KINDS`), per currency.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.models.catalog import MetricAggregate
from app.models.reconciliation import FindingKind

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


#: Kinds whose value is revenue the MSSP is owed and not billing: "revenue at risk".
REVENUE_KINDS = frozenset(
    {FindingKind.OVER_DEPLOYED, FindingKind.UNDER_BILLED, FindingKind.NO_CONTRACT, FindingKind.OVERAGE}
)


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def quantity(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ServiceTerms:
    service_id: uuid.UUID
    name: str
    metric_name: str | None
    aggregate: MetricAggregate
    tolerance_percent: Decimal
    #: Set for a volume-priced service: the scope-template parameter holding the allowance.
    allowance_parameter: str | None
    base_price: Decimal
    currency: str

    @property
    def volume_priced(self) -> bool:
        return self.allowance_parameter is not None


@dataclass(frozen=True)
class ScopeTerms:
    scope_id: uuid.UUID
    contract_id: uuid.UUID
    client_id: uuid.UUID
    service_id: uuid.UUID
    quantity: Decimal
    price: Decimal
    currency: str
    unit: str
    #: The value of the service's allowance parameter in the scope's details (None: missing).
    allowance: Decimal | None
    #: Order among a client's scopes of one service: (contract start, scope id).
    order: tuple[date, str]


@dataclass(frozen=True)
class SeatHolding:
    client_id: uuid.UUID
    service_id: uuid.UUID
    seats: int
    cost_per_seat: Decimal
    currency: str


@dataclass(frozen=True)
class MoneyItem:
    """One transaction's amount, linked to a scope, or to a contract only."""

    amount: Decimal
    currency: str
    is_revenue: bool
    scope_id: uuid.UUID | None
    contract_id: uuid.UUID | None


@dataclass
class Finding:
    kind: FindingKind
    value: Decimal
    currency: str
    detail: str
    quantity: Decimal | None = None

    @property
    def is_revenue(self) -> bool:
        return self.kind in REVENUE_KINDS


@dataclass
class Line:
    month: date
    client_id: uuid.UUID
    service_id: uuid.UUID
    contract_id: uuid.UUID | None
    scope_id: uuid.UUID | None
    currency: str
    unit: str | None
    entitled_quantity: Decimal
    unit_price: Decimal | None
    entitled_value: Decimal
    allowance: Decimal | None = None
    assigned_seats: int = 0
    deployed: Decimal | None = None
    billed: Decimal = ZERO
    cost: Decimal = ZERO
    notes: list[str] = field(default_factory=list)
    #: Revenue in another currency is linked to it: billing cannot be compared.
    foreign_billing: bool = False
    findings: list[Finding] = field(default_factory=list)


@dataclass
class _Shared:
    """What one client's scopes of one service share: deployed figure and seats."""

    deployed: Decimal | None
    seats: int = 0
    seat_cost: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))


def reconcile_month(
    month: date,
    services: dict[uuid.UUID, ServiceTerms],
    scopes: list[ScopeTerms],
    seats: list[SeatHolding],
    deployed: dict[tuple[uuid.UUID, uuid.UUID], Decimal],
    items: list[MoneyItem],
) -> list[Line]:
    """Every line of `month` with its findings.

    `deployed` maps (client, service) to the month's figure for services with a metric;
    `scopes` are the scopes in force in the month; `items` the month's transactions.
    """
    groups: dict[tuple[uuid.UUID, uuid.UUID], list[ScopeTerms]] = defaultdict(list)
    for scope in scopes:
        groups[(scope.client_id, scope.service_id)].append(scope)
    shared: dict[tuple[uuid.UUID, uuid.UUID], _Shared] = {}
    for key in groups:
        shared[key] = _Shared(deployed.get(key, ZERO) if services[key[1]].metric_name else None)
    for holding in seats:
        key = (holding.client_id, holding.service_id)
        if key not in shared:
            continue  # seats of a service with no scope: not a reconciliation line (licensing shows them)
        shared[key].seats += holding.seats
        shared[key].seat_cost[holding.currency] += holding.seats * holding.cost_per_seat

    lines: list[Line] = []
    by_scope: dict[uuid.UUID, Line] = {}
    for key, members in groups.items():
        members.sort(key=lambda s: s.order)
        service = services[key[1]]
        group = shared[key]
        deployed_left = group.deployed
        seats_left = group.seats
        for index, scope in enumerate(members):
            last = index == len(members) - 1
            line = _line(month, scope, service)
            if deployed_left is not None:
                take = deployed_left if last else min(deployed_left, _reference(line))
                line.deployed, deployed_left = take, deployed_left - take
            take_seats = seats_left if last else min(seats_left, int(line.entitled_quantity))
            line.assigned_seats, seats_left = take_seats, seats_left - take_seats
            lines.append(line)
            by_scope[scope.scope_id] = line
        _seat_costs(members, by_scope, group)

    _book(items, by_scope, lines)
    for key, members in groups.items():
        for scope in members:
            _findings(by_scope[scope.scope_id], services[key[1]], shared[key])
    lines += _unscoped(month, services, deployed, set(groups))
    return lines


def _reference(line: Line) -> Decimal:
    """What the deployed figure is compared with: the allowance, else the quantity."""
    return line.allowance if line.allowance is not None else line.entitled_quantity


def _line(month: date, scope: ScopeTerms, service: ServiceTerms) -> Line:
    return Line(
        month=month,
        client_id=scope.client_id,
        service_id=scope.service_id,
        contract_id=scope.contract_id,
        scope_id=scope.scope_id,
        currency=scope.currency,
        unit=scope.unit,
        entitled_quantity=scope.quantity,
        unit_price=scope.price,
        entitled_value=money(scope.quantity * scope.price),
        allowance=scope.allowance if service.volume_priced else None,
    )


def _seat_costs(members: list[ScopeTerms], by_scope: dict[uuid.UUID, Line], group: _Shared) -> None:
    """Each line's seats at the group's average cost per seat, in the line's currency only."""
    if not group.seats:
        return
    for scope in members:
        line = by_scope[scope.scope_id]
        for currency, total in group.seat_cost.items():
            share = money(total * line.assigned_seats / group.seats)
            if currency == line.currency:
                line.cost += share
            elif share:
                line.notes.append(
                    f"Seat cost of {share:,.2f} {currency} not counted (scope in {line.currency})."
                )


def _book(items: list[MoneyItem], by_scope: dict[uuid.UUID, Line], lines: list[Line]) -> None:
    by_contract: dict[uuid.UUID, list[Line]] = defaultdict(list)
    for line in lines:
        if line.contract_id is not None:
            by_contract[line.contract_id].append(line)
    for item in items:
        if item.scope_id is not None:
            target = by_scope.get(item.scope_id)
            if target is not None:
                _add(target, item, item.amount)
            continue
        shares = by_contract.get(item.contract_id) if item.contract_id else None
        if not shares:
            continue
        for line, amount in zip(shares, _split(item.amount, [s.entitled_value for s in shares]), strict=True):
            _add(line, item, amount)


def _split(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`amount` shared in proportion to `weights` (equal shares if all are 0); cents add up."""
    total = sum(weights, ZERO)
    if total == 0:
        weights, total = [Decimal(1)] * len(weights), Decimal(len(weights))
    shares = [money(amount * w / total) for w in weights[:-1]]
    return [*shares, amount - sum(shares, ZERO)]


def _add(line: Line, item: MoneyItem, amount: Decimal) -> None:
    if item.currency != line.currency:
        what = "Revenue" if item.is_revenue else "Cost"
        line.notes.append(f"{what} of {amount:,.2f} {item.currency} not counted (scope in {line.currency}).")
        line.foreign_billing = line.foreign_billing or item.is_revenue
        return
    if item.is_revenue:
        line.billed += amount
    else:
        line.cost += amount


def _above(measure: Decimal, reference: Decimal, tolerance: Decimal) -> bool:
    return measure > reference * (1 + tolerance / HUNDRED)


def _below(measure: Decimal, reference: Decimal, tolerance: Decimal) -> bool:
    return measure < reference * (1 - tolerance / HUNDRED)


def _findings(line: Line, service: ServiceTerms, group: _Shared) -> None:
    tolerance = service.tolerance_percent
    cur = line.currency
    unreconcilable: list[str] = []
    if line.foreign_billing:
        unreconcilable.append("revenue was booked in another currency than the scope's")
    elif _below(line.billed, line.entitled_value, tolerance):
        line.findings.append(
            Finding(
                FindingKind.UNDER_BILLED,
                line.entitled_value - line.billed,
                cur,
                f"Billed {line.billed:,.2f} of {line.entitled_value:,.2f} {cur} entitled.",
            )
        )
    if service.metric_name is None:
        unreconcilable.append(f"the service {service.name} has no deployment metric configured")
    elif service.volume_priced:
        _usage_findings(line, service, unreconcilable)
    else:
        _deployment_findings(line, service, group)
    if unreconcilable:
        line.findings.append(
            Finding(
                FindingKind.NOT_RECONCILABLE,
                ZERO,
                cur,
                "Cannot be reconciled: " + "; ".join(unreconcilable) + ".",
            )
        )


def _deployment_findings(line: Line, service: ServiceTerms, group: _Shared) -> None:
    tolerance, cur = service.tolerance_percent, line.currency
    deployed = line.deployed if line.deployed is not None else ZERO
    if _above(deployed, line.entitled_quantity, tolerance):
        excess = deployed - line.entitled_quantity
        line.findings.append(
            Finding(
                FindingKind.OVER_DEPLOYED,
                money(excess * (line.unit_price or ZERO)),
                cur,
                f"{_n(deployed)} deployed, {_n(line.entitled_quantity)} entitled: {_n(excess)} x "
                f"{line.unit_price:,.2f} {cur}.",
                excess,
            )
        )
    if line.assigned_seats and _above(Decimal(line.assigned_seats), deployed, tolerance):
        excess = Decimal(line.assigned_seats) - deployed
        per_seat = _line_seat_cost(line, group)
        line.findings.append(
            Finding(
                FindingKind.SEATS_ABOVE_DEPLOYED,
                money(excess * per_seat),
                cur,
                f"{line.assigned_seats} seats assigned, {_n(deployed)} deployed: {_n(excess)} x "
                f"{per_seat:,.2f} {cur} a seat.",
                excess,
            )
        )


def _line_seat_cost(line: Line, group: _Shared) -> Decimal:
    """The average cost of a seat in the line's currency (0 when no pool is in that currency)."""
    total = group.seat_cost.get(line.currency)
    return ZERO if not total or not group.seats else total / group.seats


def _usage_findings(line: Line, service: ServiceTerms, unreconcilable: list[str]) -> None:
    tolerance, cur = service.tolerance_percent, line.currency
    if line.allowance is None or line.allowance <= 0:
        unreconcilable.append(f"the scope has no allowance ({service.allowance_parameter})")
        return
    usage = line.deployed if line.deployed is not None else ZERO
    per_unit = line.entitled_value / line.allowance
    if _above(usage, line.allowance, tolerance):
        kind, gap = FindingKind.OVERAGE, usage - line.allowance
    elif _below(usage, line.allowance, tolerance):
        kind, gap = FindingKind.UNDER_USE, line.allowance - usage
    else:
        return
    line.findings.append(
        Finding(
            kind,
            money(gap * per_unit),
            cur,
            f"Used {_n(usage)} of an allowance of {_n(line.allowance)}: "
            f"{_n(gap)} x {money(per_unit):,.2f} {cur}.",
            gap,
        )
    )


def _unscoped(
    month: date,
    services: dict[uuid.UUID, ServiceTerms],
    deployed: dict[tuple[uuid.UUID, uuid.UUID], Decimal],
    scoped: set[tuple[uuid.UUID, uuid.UUID]],
) -> list[Line]:
    lines = []
    for (client_id, service_id), figure in sorted(
        deployed.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))
    ):
        service = services.get(service_id)
        if (client_id, service_id) in scoped or figure <= 0 or service is None or service.metric_name is None:
            continue
        line = Line(
            month=month,
            client_id=client_id,
            service_id=service_id,
            contract_id=None,
            scope_id=None,
            currency=service.currency,
            unit=None,
            entitled_quantity=ZERO,
            unit_price=service.base_price,
            entitled_value=ZERO,
            deployed=figure,
        )
        line.findings.append(
            Finding(
                FindingKind.NO_CONTRACT,
                money(figure * service.base_price),
                service.currency,
                f"{_n(figure)} deployed with no contract in force: {_n(figure)} x {service.base_price:,.2f} "
                f"{service.currency} (catalog price).",
                figure,
            )
        )
        lines.append(line)
    return lines


def _n(value: Decimal) -> str:
    """A quantity for people: no trailing zeros."""
    text = f"{quantity(value):,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
