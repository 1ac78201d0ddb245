"""The demo shows one client of each reconciliation finding kind (issue 22.7).

Each expected value is worked out here from the demo's own records (scope, points, seats,
invoices) by the rule in docs/reconciliation.md, then compared with what the refresh stored.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select

from app.demo.reconciliation import client_name, demo_months
from app.demo.seed import seed_demo_data
from app.models import import_all_models
from app.models.catalog import Service
from app.models.clients import Client
from app.models.contracts import Contract, ServiceScope
from app.models.finance import FinancialTransaction
from app.models.licensing import ClientLicense, LicensePool
from app.models.metrics import ServicePerformanceMetric
from app.models.reconciliation import FindingKind, ReconciliationFinding
from app.services.clock import today_utc

CENT = Decimal("0.01")


@pytest.fixture
def seeded(app, db_session) -> None:
    import_all_models()
    seed_demo_data(app.appbuilder)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _client(db_session, kind: FindingKind) -> Client:
    return db_session.scalars(select(Client).where(Client.company_name == client_name(kind))).one()


def _scope(db_session, client: Client) -> ServiceScope:
    return db_session.scalars(
        select(ServiceScope).join(Contract).where(Contract.client_id == client.id)
    ).one()


def _points(db_session, client: Client, month) -> tuple[Decimal, Decimal, Service]:
    """The month's maximum and average of the client's metered points, and their service."""
    stop = (month + timedelta(days=32)).replace(day=1)
    p = ServicePerformanceMetric
    peak, mean, service_id = db_session.execute(
        select(func.max(p.value), func.avg(p.value), p.service_id)
        .where(p.client_id == client.id, p.timestamp >= month, p.timestamp < stop)
        .group_by(p.service_id)
    ).one()
    return Decimal(repr(peak)), _cents(Decimal(repr(mean))), db_session.get(Service, service_id)


def _billed(db_session, scope: ServiceScope, month) -> Decimal:
    stop = (month + timedelta(days=32)).replace(day=1)
    t = FinancialTransaction
    return db_session.scalar(
        select(func.coalesce(func.sum(t.amount), 0)).where(
            t.service_scope_id == scope.id, t.transaction_date >= month, t.transaction_date < stop
        )
    )


def _expected(db_session, kind: FindingKind, month) -> Decimal:
    """The finding's value from the client's records, by the documented rule."""
    client = _client(db_session, kind)
    if kind is FindingKind.NOT_RECONCILABLE:
        return Decimal("0.00")
    peak, mean, service = _points(db_session, client, month)
    if kind is FindingKind.NO_CONTRACT:
        return _cents(peak * service.base_price)
    scope = _scope(db_session, client)
    entitled_value = _cents(scope.quantity * scope.price)
    if kind is FindingKind.OVER_DEPLOYED:
        return _cents((peak - scope.quantity) * scope.price)
    if kind is FindingKind.UNDER_BILLED:
        return entitled_value - _billed(db_session, scope, month)
    if kind is FindingKind.SEATS_ABOVE_DEPLOYED:
        seats, cost = db_session.execute(
            select(ClientLicense.assigned_seats, LicensePool.cost_per_seat)
            .join(LicensePool)
            .where(ClientLicense.client_id == client.id)
        ).one()
        return _cents((seats - peak) * cost)
    allowance = Decimal(str(scope.scope_details["gb_per_day"]))
    gap = mean - allowance if kind is FindingKind.OVERAGE else allowance - mean
    return _cents(gap * entitled_value / allowance)


def _findings(db_session, month) -> list[ReconciliationFinding]:
    return list(
        db_session.scalars(
            select(ReconciliationFinding)
            .join(Client, Client.id == ReconciliationFinding.client_id)
            .where(ReconciliationFinding.month == month, Client.company_name.like("Recon Demo:%"))
        )
    )


@pytest.mark.parametrize("which", ["last complete month", "this month"])
def test_each_finding_kind_has_its_own_demo_client_with_the_value_its_records_give(db_session, seeded, which):
    month = demo_months(today_utc())[0 if which == "last complete month" else 1]
    found = {(f.client.company_name, f.kind): f for f in _findings(db_session, month)}
    # Exactly one finding per demo client, of the kind it is named for.
    assert sorted(found) == sorted((client_name(kind), kind) for kind in FindingKind)
    for kind in FindingKind:
        finding = found[(client_name(kind), kind)]
        expected = _expected(db_session, kind, month)
        assert finding.value == expected, kind
        assert (finding.value > 0) == (kind is not FindingKind.NOT_RECONCILABLE), kind
        assert finding.currency == "USD"


def test_the_findings_page_shows_each_demo_client_with_its_finding_this_month(db_session, seeded, login_as):
    month = demo_months(today_utc())[1]
    browser = login_as("Manager")
    findings = _findings(db_session, month)
    assert len(findings) == len(FindingKind)
    for finding in findings:
        page = browser.get(
            "/reconciliationfindingview/list/",
            query_string={"_flt_0_month": month.isoformat(), "_flt_0_client": str(finding.client_id)},
        )
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert finding.client.company_name in text and finding.kind.label in text, finding.kind
        assert f"{finding.value:,.2f} {finding.currency}" in text, finding.kind
