"""The reconciliation rules, exact to the cent: one case per finding kind, tolerances, currencies."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal as D

from app.models.catalog import MetricAggregate
from app.models.reconciliation import FindingKind
from app.services.reconciliation.rules import (
    MoneyItem,
    ScopeTerms,
    SeatHolding,
    ServiceTerms,
    reconcile_month,
)

MONTH = date(2026, 11, 1)
CLIENT = uuid.UUID(int=1)
EDR = uuid.UUID(int=10)
SIEM = uuid.UUID(int=11)
CONSULTING = uuid.UUID(int=12)
CONTRACT = uuid.UUID(int=20)


def service(
    sid=EDR, *, metric="endpoints_reporting", tolerance="5", allowance=None, base="9.00", currency="EUR"
):
    return ServiceTerms(
        sid, f"svc-{sid.int}", metric, MetricAggregate.MAX, D(tolerance), allowance, D(base), currency
    )


def scope(
    n=1, sid=EDR, *, qty="100", price="12.50", currency="EUR", allowance=None, contract=CONTRACT, start=1
):
    return ScopeTerms(
        uuid.UUID(int=100 + n),
        contract,
        CLIENT,
        sid,
        D(qty),
        D(price),
        currency,
        "endpoint",
        D(allowance) if allowance is not None else None,
        (date(2026, start, 1), str(n)),
    )


def paid(amount, *, scope_n=1, currency="EUR", revenue=True, contract=None):
    scope_id = uuid.UUID(int=100 + scope_n) if scope_n else None
    return MoneyItem(D(amount), currency, revenue, scope_id, contract)


def run(services, scopes, *, seats=(), deployed=None, items=()):
    return reconcile_month(
        MONTH, {s.service_id: s for s in services}, list(scopes), list(seats), deployed or {}, list(items)
    )


def kinds(line):
    return {f.kind: f for f in line.findings}


def test_a_clean_line_has_the_figures_and_no_finding():
    [line] = run(
        [service()],
        [scope()],
        deployed={(CLIENT, EDR): D("104")},
        items=[paid("1250.00")],
        seats=[SeatHolding(CLIENT, EDR, 100, D("3.00"), "EUR")],
    )
    assert (line.entitled_quantity, line.entitled_value, line.deployed, line.billed) == (
        D("100"),
        D("1250.00"),
        D("104"),
        D("1250.00"),
    )
    assert (line.assigned_seats, line.cost) == (100, D("300.00"))
    assert line.findings == []


def test_deployed_above_entitled_beyond_the_tolerance_is_the_whole_excess_at_the_unit_price():
    [line] = run([service()], [scope()], deployed={(CLIENT, EDR): D("106")}, items=[paid("1250.00")])
    found = kinds(line)[FindingKind.OVER_DEPLOYED]
    assert (found.quantity, found.value, found.currency) == (D("6"), D("75.00"), "EUR")
    assert found.is_revenue


def test_within_the_tolerance_is_no_finding_and_a_zero_tolerance_catches_one_unit():
    [line] = run([service()], [scope()], deployed={(CLIENT, EDR): D("105")}, items=[paid("1250.00")])
    assert line.findings == []
    [line] = run(
        [service(tolerance="0")], [scope()], deployed={(CLIENT, EDR): D("101")}, items=[paid("1250.00")]
    )
    assert kinds(line)[FindingKind.OVER_DEPLOYED].value == D("12.50")


def test_not_billed_and_billed_below_entitled():
    [line] = run([service()], [scope()], deployed={(CLIENT, EDR): D("100")})
    assert kinds(line)[FindingKind.UNDER_BILLED].value == D("1250.00")
    [line] = run([service()], [scope()], deployed={(CLIENT, EDR): D("100")}, items=[paid("1000.00")])
    assert kinds(line)[FindingKind.UNDER_BILLED].value == D("250.00")
    # 5 % of 1,250.00 is 62.50: 1,187.50 billed is within the tolerance, 1,187.49 is not.
    [line] = run([service()], [scope()], deployed={(CLIENT, EDR): D("100")}, items=[paid("1187.50")])
    assert line.findings == []
    [line] = run([service()], [scope()], deployed={(CLIENT, EDR): D("100")}, items=[paid("1187.49")])
    assert kinds(line)[FindingKind.UNDER_BILLED].value == D("62.51")


def test_contract_level_revenue_is_shared_by_entitled_value_to_the_cent():
    scopes = [scope(1, qty="1", price="100.00"), scope(2, sid=SIEM, qty="2", price="100.00")]
    lines = run(
        [service(), service(SIEM)],
        scopes,
        items=[paid("100.00", scope_n=None, contract=CONTRACT)],
        deployed={(CLIENT, EDR): D("1"), (CLIENT, SIEM): D("2")},
    )
    billed = {line.scope_id.int - 100: line.billed for line in lines}
    assert billed == {1: D("33.33"), 2: D("66.67")}


def test_seats_above_deployed_cost_the_excess_seats():
    [line] = run(
        [service()],
        [scope()],
        deployed={(CLIENT, EDR): D("80")},
        items=[paid("1250.00")],
        seats=[
            SeatHolding(CLIENT, EDR, 90, D("4.00"), "EUR"),
            SeatHolding(CLIENT, EDR, 10, D("6.00"), "EUR"),
        ],
    )
    found = kinds(line)[FindingKind.SEATS_ABOVE_DEPLOYED]
    # 100 seats cost 420.00, 4.20 a seat on average: 20 seats too many = 84.00.
    assert (line.cost, found.quantity, found.value, found.is_revenue) == (
        D("420.00"),
        D("20"),
        D("84.00"),
        False,
    )


def test_deployed_without_a_contract_at_the_catalog_price():
    lines = run([service(base="9.00", currency="USD")], [], deployed={(CLIENT, EDR): D("40")})
    [line] = lines
    found = kinds(line)[FindingKind.NO_CONTRACT]
    assert (line.scope_id, found.quantity, found.value, found.currency) == (None, D("40"), D("360.00"), "USD")


def test_a_service_without_metric_is_not_reconcilable_but_billing_is_still_checked():
    [line] = run([service(CONSULTING, metric=None)], [scope(sid=CONSULTING)], items=[paid("1250.00")])
    [found] = line.findings
    assert (found.kind, found.value) == (FindingKind.NOT_RECONCILABLE, D("0"))
    assert "no deployment metric configured" in found.detail
    assert line.deployed is None


def test_usage_above_and_below_the_allowance():
    siem = service(SIEM, metric="gb_ingested", allowance="gb_per_day", tolerance="10")
    # 50 GB/day for 1,000.00 a month: 20.00 per GB/day.
    over = run(
        [siem],
        [scope(sid=SIEM, qty="1", price="1000.00", allowance="50")],
        items=[paid("1000.00")],
        deployed={(CLIENT, SIEM): D("60.5")},
    )
    found = kinds(over[0])[FindingKind.OVERAGE]
    assert (found.quantity, found.value, found.is_revenue) == (D("10.5"), D("210.00"), True)
    under = run(
        [siem],
        [scope(sid=SIEM, qty="1", price="1000.00", allowance="50")],
        items=[paid("1000.00")],
        deployed={(CLIENT, SIEM): D("40")},
    )
    found = kinds(under[0])[FindingKind.UNDER_USE]
    assert (found.quantity, found.value, found.is_revenue) == (D("10"), D("200.00"), False)
    within = run(
        [siem],
        [scope(sid=SIEM, qty="1", price="1000.00", allowance="50")],
        items=[paid("1000.00")],
        deployed={(CLIENT, SIEM): D("55")},
    )
    assert within[0].findings == []


def test_a_volume_scope_without_allowance_is_not_reconcilable():
    siem = service(SIEM, metric="gb_ingested", allowance="gb_per_day")
    [line] = run(
        [siem],
        [scope(sid=SIEM, price="1000.00", qty="1")],
        items=[paid("1000.00")],
        deployed={(CLIENT, SIEM): D("10")},
    )
    assert [f.kind for f in line.findings] == [FindingKind.NOT_RECONCILABLE]


def test_currencies_are_never_added_together():
    [line] = run(
        [service()],
        [scope()],
        deployed={(CLIENT, EDR): D("100")},
        items=[paid("1250.00", currency="USD"), paid("10.00", currency="USD", revenue=False)],
        seats=[SeatHolding(CLIENT, EDR, 100, D("2.00"), "USD")],
    )
    assert (line.billed, line.cost) == (D("0"), D("0"))
    [found] = line.findings
    assert found.kind is FindingKind.NOT_RECONCILABLE and "another currency" in found.detail
    assert any("1,250.00 USD not counted" in note for note in line.notes)


def test_two_scopes_of_one_service_share_the_deployment_in_contract_order():
    later = uuid.UUID(int=21)
    scopes = [scope(2, qty="30", contract=later, start=6), scope(1, qty="50", start=1)]
    lines = run(
        [service()],
        scopes,
        deployed={(CLIENT, EDR): D("90")},
        items=[paid("625.00", scope_n=1), paid("375.00", scope_n=2)],
    )
    by_n = {line.scope_id.int - 100: line for line in lines}
    assert (by_n[1].deployed, by_n[2].deployed) == (D("50"), D("40"))
    assert by_n[1].findings == []
    assert kinds(by_n[2])[FindingKind.OVER_DEPLOYED].value == D("125.00")
