"""Each alert trigger at its boundary: the day before nothing, on the day the level, once."""

from __future__ import annotations

from datetime import date, timedelta

from app.models.alerts import AlertKind
from app.models.contracts import ContractStatus
from app.models.licensing import ClientLicenseStatus
from app.services.alerts.evaluation import run_alerts
from app.services.hardware import return_hardware
from app.services.licensing import allocate_seats, release_seats
from tests.factories import (
    make_contract,
    make_failing_query,
    make_loan,
    make_pool,
    make_sla_metric,
    make_ticket,
    make_user,
    owned_client,
)
from tests.integration.alerts_support import TODAY, alerts_of, at, levels_of, recipients_of


def run(session, day: date):
    return run_alerts(day, send_email=False, session=session)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def test_contract_renewal_fires_each_lead_time_on_its_day_not_before(db_session):
    owner = make_user(db_session, "Account Manager")
    contract = make_contract(
        db_session, owned_client(db_session, owner), start_date=date(2029, 7, 1), end_date=date(2030, 12, 31),
        renewal_date=TODAY + days(90),
    )
    run(db_session, TODAY - days(1))  # 91 days left
    assert levels_of(db_session, contract.id, AlertKind.CONTRACT_RENEWAL) == []
    report = run(db_session, TODAY)  # 90 days left
    assert levels_of(db_session, contract.id, AlertKind.CONTRACT_RENEWAL) == [90]
    assert [f.recipients for f in report.fired] == [(owner.email,)]
    (alert,) = alerts_of(db_session, contract.id)
    assert "up for renewal in 90 days" in alert.title and alert.due_date == TODAY + days(90)
    run(db_session, TODAY + days(29))  # 61 left
    assert levels_of(db_session, contract.id, AlertKind.CONTRACT_RENEWAL) == [90]
    run(db_session, TODAY + days(30))  # 60 left
    assert levels_of(db_session, contract.id, AlertKind.CONTRACT_RENEWAL) == [90, 60]
    run(db_session, TODAY + days(83))  # 7 left, the 30-day step skipped by the calendar of this test
    assert levels_of(db_session, contract.id, AlertKind.CONTRACT_RENEWAL) == [90, 60, 7]
    run(db_session, TODAY + days(91))  # the date has passed
    assert levels_of(db_session, contract.id, AlertKind.CONTRACT_RENEWAL) == [90, 60, 7]


def test_contract_end_fires_for_active_contracts_only(db_session):
    client = owned_client(db_session, make_user(db_session, "Account Manager"))
    active = make_contract(db_session, client, start_date=date(2029, 6, 1), end_date=TODAY + days(30))
    draft = make_contract(
        db_session, client, start_date=date(2029, 6, 1), end_date=TODAY + days(30),
        status=ContractStatus.DRAFT,
    )
    run(db_session, TODAY)
    assert levels_of(db_session, active.id, AlertKind.CONTRACT_END) == [30]
    assert alerts_of(db_session, draft.id) == []
    assert "ends in 30 days" in alerts_of(db_session, active.id)[0].title


def test_a_late_run_fires_the_level_due_now_not_the_ones_it_missed(db_session):
    contract = make_contract(
        db_session, owned_client(db_session), start_date=date(2029, 6, 1), end_date=TODAY + days(45)
    )
    run(db_session, TODAY)  # 45 days left: the 90 and 60 steps are past, 30 not reached: 60 is due
    assert levels_of(db_session, contract.id, AlertKind.CONTRACT_END) == [60]
    run(db_session, TODAY + days(40))  # 5 left: the job was down for the 30-day step
    assert levels_of(db_session, contract.id, AlertKind.CONTRACT_END) == [60, 7]
    assert "ends in 5 days" in alerts_of(db_session, contract.id)[-1].title


def test_pool_expiry_goes_to_the_managers_and_client_licenses_to_their_account_managers(db_session):
    owner = make_user(db_session, "Account Manager")
    client = owned_client(db_session, owner)
    pool = make_pool(db_session, total=10, expiry_date=TODAY + days(7))
    license_ = allocate_seats(pool, client, 3, session=db_session)
    report = run(db_session, TODAY)
    (pool_alert,) = alerts_of(db_session, pool.id)
    assert (pool_alert.kind, pool_alert.level) == (AlertKind.LICENSE_POOL_EXPIRY, 7)
    managers = {f.recipients for f in report.fired if f.kind is AlertKind.LICENSE_POOL_EXPIRY}
    assert managers == {("manager@test.example",)}
    (seat_alert,) = alerts_of(db_session, license_.id)
    assert (seat_alert.kind, seat_alert.level, seat_alert.client_id) == (
        AlertKind.CLIENT_LICENSE_EXPIRY, 7, client.id
    )
    assert recipients_of(db_session, seat_alert) == {owner.id}
    assert "3 Vendor" in seat_alert.title and "expire in 7 days" in seat_alert.title


def test_released_licenses_stop_their_alerts(db_session):
    pool = make_pool(db_session, total=10, expiry_date=TODAY + days(30))
    license_ = allocate_seats(pool, owned_client(db_session), 2, session=db_session)
    run(db_session, TODAY)
    release_seats(license_, status=ClientLicenseStatus.REVOKED, session=db_session)
    run(db_session, TODAY + days(1))
    (alert,) = alerts_of(db_session, license_.id)
    assert alert.resolved_at is not None and "No longer applies" in alert.resolution
    run(db_session, TODAY + days(23))
    assert levels_of(db_session, license_.id, AlertKind.CLIENT_LICENSE_EXPIRY) == [30]


def test_pool_utilisation_at_the_threshold_fires_and_comes_back_after_it_clears(db_session):
    pool = make_pool(db_session, total=10)
    client = owned_client(db_session)
    first = allocate_seats(pool, client, 8, session=db_session)
    run(db_session, TODAY)  # 80 %
    assert alerts_of(db_session, pool.id) == []
    second = allocate_seats(pool, client, 1, session=db_session)
    run(db_session, TODAY + days(1))  # 90 %: at the threshold
    (alert,) = alerts_of(db_session, pool.id)
    assert (alert.kind, alert.level) == (AlertKind.LICENSE_POOL_UTILISATION, 90)
    assert alert.occurrence == "episode-1"
    assert "90.0 % used (9 of 10 seats)" in alert.title
    run(db_session, TODAY + days(2))
    assert len(alerts_of(db_session, pool.id)) == 1
    release_seats(second, session=db_session)
    run(db_session, TODAY + days(3))  # back to 80 %
    assert alerts_of(db_session, pool.id)[0].resolution == "Back to normal."
    allocate_seats(pool, client, 2, session=db_session)
    run(db_session, TODAY + days(4))  # 100 %: a new episode
    assert [(a.occurrence, a.resolved_at is None) for a in alerts_of(db_session, pool.id)] == [
        ("episode-1", False), ("episode-2", True)
    ]
    assert first.assigned_seats == 8


def test_a_breached_sla_metric_fires_once_and_old_breaches_are_history(db_session):
    owner = make_user(db_session, "Account Manager")
    client = owned_client(db_session, owner)
    recent = make_sla_metric(db_session, client, breached=True, period_end=TODAY - days(1))
    kept = make_sla_metric(db_session, client, breached=False, period_end=TODAY - days(1))
    old = make_sla_metric(db_session, client, breached=True, period_end=TODAY - days(31))
    run(db_session, TODAY)
    run(db_session, TODAY + days(1))
    (alert,) = alerts_of(db_session, recent.id)
    assert alert.kind is AlertKind.SLA_METRIC_BREACH and recipients_of(db_session, alert) == {owner.id}
    assert "Actual 98.5 percent against a target of 99.9 percent" in alert.detail
    assert alerts_of(db_session, kept.id) == [] and alerts_of(db_session, old.id) == []


def test_a_ticket_breaching_its_sla_fires_once(db_session):
    client = owned_client(db_session)  # no account manager: the Managers get it
    breached = make_ticket(db_session, client, breached=True, opened=at(TODAY - days(2)))
    fine = make_ticket(db_session, client, breached=False, opened=at(TODAY - days(2)))
    report = run(db_session, TODAY)
    run(db_session, TODAY)
    (alert,) = alerts_of(db_session, breached.id)
    assert alert.kind is AlertKind.TICKET_SLA_BREACH and breached.external_key in alert.title
    assert [f.recipients for f in report.fired if f.kind is AlertKind.TICKET_SLA_BREACH] == [
        ("manager@test.example",)
    ]
    assert alerts_of(db_session, fine.id) == []


def test_a_query_failing_three_runs_in_a_row_alerts_the_admins(db_session):
    query = make_failing_query(db_session, failures=2)
    run(db_session, TODAY)
    assert alerts_of(db_session, query.id) == []
    query.consecutive_failures = 3
    db_session.commit()
    report = run(db_session, TODAY)
    (alert,) = alerts_of(db_session, query.id)
    assert (alert.kind, alert.level) == (AlertKind.DATA_SOURCE_FAILING, 3)
    assert "failed 3 runs in a row" in alert.title and "timeout" in alert.detail
    assert [f.recipients for f in report.fired] == [("admin@test.example",)]
    query.consecutive_failures = 0  # a successful run
    db_session.commit()
    run(db_session, TODAY + days(1))
    assert alerts_of(db_session, query.id)[0].resolved_at is not None
    query.consecutive_failures = 3
    db_session.commit()
    run(db_session, TODAY + days(2))
    assert [a.occurrence for a in alerts_of(db_session, query.id)] == ["episode-1", "episode-2"]


def test_hardware_past_its_expected_return_date_fires_the_day_after(db_session):
    owner = make_user(db_session, "Account Manager")
    loan = make_loan(db_session, owned_client(db_session, owner), expected=TODAY)
    run(db_session, TODAY)  # due back today: not late yet
    assert alerts_of(db_session, loan.id) == []
    run(db_session, TODAY + days(1))
    (alert,) = alerts_of(db_session, loan.id)
    assert (alert.kind, alert.level) == (AlertKind.HARDWARE_OVERDUE, 1)
    assert recipients_of(db_session, alert) == {owner.id} and "was due back 1 day(s) ago" in alert.title
    return_hardware(loan, return_date=TODAY + days(2), session=db_session)
    run(db_session, TODAY + days(3))
    assert alerts_of(db_session, loan.id)[0].resolved_at is not None
