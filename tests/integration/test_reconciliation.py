"""The stored reconciliation on real PostgreSQL: one client of each finding kind, exact to the cent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from sqlalchemy import select

from app.models.reconciliation import FindingKind, ReconciliationFinding, ReconciliationLine, UsageDaily
from app.services.reconciliation.refresh import refresh_month
from app.services.reconciliation.totals import revenue_at_risk
from tests.reconciliation_data import build_reconciliation_world, refresh


def findings_by_client(db_session, world):
    names = {cid: name for name, cid in world.clients.items()}
    rows = db_session.scalars(select(ReconciliationFinding).where(ReconciliationFinding.month == world.month))
    return {(names[f.client_id], f.kind): (f.quantity, f.value, f.currency) for f in rows}


def test_one_client_of_each_kind_with_its_money_value(db_session):
    world = build_reconciliation_world(db_session)
    report = refresh(db_session, world)
    assert report.lines == 7 and report.findings == 7
    assert findings_by_client(db_session, world) == {
        ("Overdeploy Ltd", FindingKind.OVER_DEPLOYED): (D("6.00"), D("75.00"), "EUR"),
        ("Underbilled Inc", FindingKind.UNDER_BILLED): (None, D("100.00"), "USD"),
        ("Seats Co", FindingKind.SEATS_ABOVE_DEPLOYED): (D("20.00"), D("80.00"), "EUR"),
        ("Shadow GmbH", FindingKind.NO_CONTRACT): (D("40.00"), D("360.00"), "EUR"),
        ("Consult SA", FindingKind.NOT_RECONCILABLE): (None, D("0.00"), "EUR"),
        ("Volume Plc", FindingKind.OVERAGE): (D("10.50"), D("210.00"), "EUR"),
        ("Quiet BV", FindingKind.UNDER_USE): (D("10.00"), D("200.00"), "EUR"),
    }


def test_the_line_holds_entitled_seats_deployed_billed_and_cost(db_session):
    world = build_reconciliation_world(db_session)
    refresh(db_session, world)
    line = db_session.scalars(
        select(ReconciliationLine).where(ReconciliationLine.service_scope_id == world.scopes["Seats Co"])
    ).one()
    assert (
        line.entitled_quantity,
        line.entitled_value,
        line.assigned_seats,
        line.deployed,
        line.billed,
        line.cost,
        line.money_at_stake,
    ) == (D("100"), D("1250.00"), 100, D("80.00"), D("1250.00"), D("400.00"), D("80.00"))
    consult = db_session.scalars(
        select(ReconciliationLine).where(ReconciliationLine.service_scope_id == world.scopes["Consult SA"])
    ).one()
    assert consult.deployed is None
    assert "no deployment metric configured" in consult.findings[0].detail


def test_revenue_at_risk_per_currency_never_mixed(db_session):
    world = build_reconciliation_world(db_session)
    refresh(db_session, world)
    totals = {t.currency: (t.amount, t.findings) for t in revenue_at_risk(db_session, world.month)}
    assert totals == {"EUR": (D("645.00"), 3), "USD": (D("100.00"), 1)}
    mine = revenue_at_risk(db_session, world.month, frozenset({world.clients["Overdeploy Ltd"]}))
    assert [(t.currency, t.amount) for t in mine] == [("EUR", D("75.00"))]


def test_the_daily_usage_rollup_keeps_max_sum_and_points(db_session):
    world = build_reconciliation_world(db_session)
    refresh(db_session, world)
    row = db_session.scalars(
        select(UsageDaily).where(UsageDaily.client_id == world.clients["Volume Plc"])
    ).one()
    assert (row.day, row.max_value, row.sum_value, row.point_count) == (world.month, 66.0, 121.0, 2)


def test_a_refresh_replaces_the_month_and_a_finding_keeps_its_key_and_first_month(db_session):
    world = build_reconciliation_world(db_session)
    refresh(db_session, world)
    first = db_session.scalars(
        select(ReconciliationFinding).where(ReconciliationFinding.kind == FindingKind.OVER_DEPLOYED)
    ).one()
    key = first.finding_key
    refresh_month(world.month, session=db_session)
    again = db_session.scalars(
        select(ReconciliationFinding).where(ReconciliationFinding.kind == FindingKind.OVER_DEPLOYED)
    ).all()
    assert len(again) == 1 and again[0].finding_key == key and again[0].first_month == world.month
    next_month = (world.month + timedelta(days=32)).replace(day=1)
    refresh_month(next_month, session=db_session)
    # Next month has no metric points yet: the over-deployment is gone, the under-billing runs on.
    runs = db_session.scalars(
        select(ReconciliationFinding).where(
            ReconciliationFinding.month == next_month, ReconciliationFinding.kind == FindingKind.UNDER_BILLED
        )
    ).all()
    assert {r.first_month for r in runs} == {world.month, next_month}


def test_a_usage_allowance_must_name_a_number_parameter_of_the_template(db_session):
    import pytest

    from app.errors import ValidationFailed
    from app.models.catalog import DeliveryModel, Service, ServiceCategory

    service = Service(
        name="Bad SIEM",
        category=ServiceCategory.SIEM,
        delivery_model=DeliveryModel.FULLY_MANAGED,
        deployment_metric_name="gb_ingested",
        usage_allowance_parameter="tier",
        scope_definition_template={
            "parameters": [
                {"name": "tier", "type": "select", "options": ["a", "b"]},
                {"name": "gb_per_day", "type": "decimal"},
            ]
        },
    )
    db_session.add(service)
    with pytest.raises(ValidationFailed) as refused:
        db_session.flush()
    assert refused.value.field == "usage_allowance_parameter"
    assert "(gb_per_day)" in str(refused.value)
    db_session.rollback()


def test_the_scheduled_job_rolls_up_usage_and_refreshes_the_months_due(db_session):
    from datetime import date

    from app.jobs.definitions import JOBS
    from app.services.reconciliation.jobs import months_to_refresh, reconcile

    assert {"reconciliation", "reconciliation_nightly"} <= {job.id for job in JOBS}
    assert months_to_refresh(date(2026, 12, 3)) == [date(2026, 11, 1), date(2026, 12, 1)]
    assert months_to_refresh(date(2026, 12, 6)) == [date(2026, 12, 1)]
    world = build_reconciliation_world(db_session)
    line = reconcile(world.month + timedelta(days=1), session=db_session)
    assert f"reconciliation {world.month:%Y-%m}: 7 line(s), 7 finding(s)" in line
