"""Reconciliation alerts: a finding above a threshold, or one found N months in a row, goes to the
client's account manager through the alert routing, once per finding and month."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models.alerts import Alert, AlertKind, AlertRecipient, AlertSetting
from app.services.alerts.evaluation import run_alerts
from app.services.reconciliation.refresh import refresh_month
from tests.factories import make_user as make_person
from tests.reconciliation_data import build_reconciliation_world, refresh


def alerts(session, kind):
    return session.scalars(select(Alert).where(Alert.kind == kind).order_by(Alert.title)).all()


def test_findings_above_the_threshold_alert_the_account_manager_once_a_month(db_session):
    owner = make_person(db_session, "Account Manager")
    world = build_reconciliation_world(db_session, account_manager_id=owner.id)
    refresh(db_session, world)
    db_session.add(AlertSetting(kind=AlertKind.RECONCILIATION_FINDING, levels=[200]))
    db_session.flush()
    today = world.month + timedelta(days=1)
    run_alerts(today, send_email=False, session=db_session)
    fired = alerts(db_session, AlertKind.RECONCILIATION_FINDING)
    # 360.00 (no contract), 210.00 (overage), 200.00 (under-use): at or above 200 in their currency.
    assert [a.title.split(":")[0] for a in fired] == [
        "Deployed without contract at Shadow GmbH",
        "Usage above allowance at Volume Plc",
        "Usage below allowance at Quiet BV",
    ]
    assert all(a.occurrence == f"{world.month:%Y-%m}" and a.level == 200 for a in fired)
    # A refresh and a second run in the same month fire nothing again.
    refresh_month(world.month, session=db_session)
    run_alerts(today + timedelta(days=1), send_email=False, session=db_session)
    assert len(alerts(db_session, AlertKind.RECONCILIATION_FINDING)) == 3


def test_the_overdeployment_of_the_account_managers_client_reaches_them(db_session):
    owner = make_person(db_session, "Account Manager")
    world = build_reconciliation_world(db_session, account_manager_id=owner.id)
    refresh(db_session, world)
    db_session.add(AlertSetting(kind=AlertKind.RECONCILIATION_FINDING, levels=[50]))
    db_session.flush()
    run_alerts(world.month, send_email=False, session=db_session)
    (alert,) = [a for a in alerts(db_session, AlertKind.RECONCILIATION_FINDING) if "Overdeploy" in a.title]
    recipients = db_session.scalars(select(AlertRecipient.user_id).where(AlertRecipient.alert_id == alert.id))
    assert set(recipients) == {owner.id}
    assert "75.00 EUR" in alert.title


def test_a_finding_found_three_months_in_a_row_alerts(db_session):
    world = build_reconciliation_world(db_session)
    refresh(db_session, world)
    months = [world.month]
    for _ in range(2):
        months.append((months[-1] + timedelta(days=32)).replace(day=1))
        refresh_month(months[-1], session=db_session)
    # Months ahead have no metric points and no invoices: every scope is under-billed in each.
    run_alerts(months[1], send_email=False, session=db_session)
    assert alerts(db_session, AlertKind.RECONCILIATION_PERSISTS) == []
    run_alerts(months[2], send_email=False, session=db_session)
    fired = alerts(db_session, AlertKind.RECONCILIATION_PERSISTS)
    # Found in the first month too: the under-billing, the idle seats (no agent reports any more)
    # and the under-use of the allowance.
    assert {a.title.split(" for ")[0] for a in fired} == {
        "Under-billed at Underbilled Inc",
        "Seats above deployed at Seats Co",
        "Usage below allowance at Quiet BV",
    }
    assert all("3 months in a row" in a.title for a in fired)
