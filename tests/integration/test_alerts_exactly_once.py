"""Exactly once: a year of daily (and doubled) runs, a renewal or a moved date, two concurrent runs."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models.alerts import Alert, AlertEmailDigest, AlertKind, AlertRecipient
from app.models.clients import Client
from app.models.contracts import Contract, ContractStatus
from app.models.users import MsspUser
from app.services.alerts.evaluation import run_alerts
from app.services.alerts.inbox import unread_count
from app.services.contracts import renew_contract
from app.services.licensing import allocate_seats
from tests.factories import make_contract, make_loan, make_pool, make_user, owned_client, unique
from tests.integration.alerts_support import TODAY, FakeSmtpServer, alerts_of, levels_of, smtp_config

LEADS = (90, 60, 30, 7)


def run(session, day: date):
    return run_alerts(day, send_email=False, session=session)


def test_a_year_of_daily_runs_fires_every_lead_time_once_on_its_day(db_session):
    owner = make_user(db_session, "Account Manager")
    client = owned_client(db_session, owner)
    contract = make_contract(
        db_session, client, start_date=date(2029, 9, 1), end_date=date(2030, 8, 31),
        renewal_date=date(2030, 6, 1),
    )
    pool = make_pool(db_session, total=5, expiry_date=date(2030, 11, 15))
    license_ = allocate_seats(pool, client, 2, session=db_session)
    loan = make_loan(db_session, client, expected=date(2030, 5, 10))
    dated = {
        (contract.id, AlertKind.CONTRACT_RENEWAL): contract.renewal_date,
        (contract.id, AlertKind.CONTRACT_END): contract.end_date,
        (pool.id, AlertKind.LICENSE_POOL_EXPIRY): pool.expiry_date,
        (license_.id, AlertKind.CLIENT_LICENSE_EXPIRY): pool.expiry_date,
    }
    day = TODAY
    while day < TODAY + timedelta(days=365):
        run(db_session, day)
        if day.day in (1, 15):  # a second scheduler, or someone running it by hand
            run(db_session, day)
        day += timedelta(days=1)
    for (record_id, kind), due in dated.items():
        fired = alerts_of(db_session, record_id, kind)
        assert [a.level for a in fired] == list(LEADS), kind
        assert [a.fired_at.date() for a in fired] == [due - timedelta(days=lead) for lead in LEADS], kind
    (overdue,) = alerts_of(db_session, loan.id)
    assert overdue.fired_at.date() == date(2030, 5, 11)
    copies = db_session.scalars(
        select(AlertRecipient.alert_id).join(Alert).where(Alert.client_id == client.id)
    ).all()
    assert len(copies) == len(set(copies)) == 4 * 3 + 1  # one copy each, the pool's go to the Managers
    assert unread_count(owner.id, db_session) == 13


def test_running_twice_a_day_fires_nothing_the_second_time(db_session):
    client = owned_client(db_session)
    make_contract(db_session, client, start_date=date(2029, 6, 1), end_date=TODAY + timedelta(7))
    first, second = run(db_session, TODAY), run(db_session, TODAY)
    assert len(first.fired) == 1 and second.fired == []


def test_a_renewed_contract_stops_its_pending_alerts_and_leaves_the_bell(db_session):
    owner = make_user(db_session, "Account Manager")
    contract = make_contract(
        db_session, owned_client(db_session, owner), start_date=date(2029, 6, 1),
        end_date=TODAY + timedelta(90), renewal_date=TODAY + timedelta(60),
    )
    run(db_session, TODAY)
    assert unread_count(owner.id, db_session) == 2  # renewal at 60, end at 90
    successor = renew_contract(contract, session=db_session)
    run(db_session, TODAY + timedelta(days=1))
    assert all(a.resolved_at is not None for a in alerts_of(db_session, contract.id))
    assert unread_count(owner.id, db_session) == 0
    for offset in range(2, 91):
        run(db_session, TODAY + timedelta(days=offset))
    assert levels_of(db_session, contract.id, AlertKind.CONTRACT_RENEWAL) == [60]
    assert levels_of(db_session, contract.id, AlertKind.CONTRACT_END) == [90]
    assert successor.status is ContractStatus.DRAFT and alerts_of(db_session, successor.id) == []


def test_an_extended_date_resolves_the_old_alerts_and_counts_down_to_the_new_one(db_session):
    contract = make_contract(
        db_session, owned_client(db_session), start_date=date(2029, 6, 1), end_date=TODAY + timedelta(30)
    )
    run(db_session, TODAY)
    contract.end_date = TODAY + timedelta(days=120)
    db_session.commit()
    run(db_session, TODAY + timedelta(days=1))
    (old,) = alerts_of(db_session, contract.id)
    assert old.resolution == f"The date changed to {contract.end_date:%d %b %Y}."
    run(db_session, TODAY + timedelta(days=30))  # 90 days before the new end
    assert [(a.level, a.occurrence) for a in alerts_of(db_session, contract.id)] == [
        (30, (TODAY + timedelta(30)).isoformat()), (90, contract.end_date.isoformat())
    ]


def test_a_dry_run_lists_what_would_fire_and_stores_nothing(db_session):
    owner = make_user(db_session, "Account Manager")
    contract = make_contract(
        db_session, owned_client(db_session, owner), start_date=date(2029, 6, 1),
        end_date=TODAY + timedelta(7),
    )
    report = run_alerts(TODAY, dry_run=True, session=db_session)
    assert [(f.kind, f.recipients) for f in report.fired] == [(AlertKind.CONTRACT_END, (owner.email,))]
    assert "would fire" in str(report)
    assert alerts_of(db_session, contract.id) == []
    assert len(run(db_session, TODAY).fired) == 1


# --- two runs at once, real transactions ---------------------------------------------------------


@pytest.fixture
def committed_world(app):
    """Committed for real (threads use their own connections), removed afterwards."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    with Session(engine) as setup:
        owners = [make_user(setup, "Account Manager") for _ in range(3)]
        clients = [owned_client(setup, owner) for owner in owners]
        contracts = [
            make_contract(setup, client, start_date=date(2029, 6, 1), end_date=TODAY + timedelta(days=30),
                          renewal_date=TODAY + timedelta(days=7), contract_name=unique("Race"))
            for client in clients
        ]
        world = {
            "engine": engine,
            "owners": [(o.id, o.email) for o in owners],
            "clients": [c.id for c in clients],
            "contracts": [c.id for c in contracts],
        }
    yield world
    with Session(engine) as cleanup:
        cleanup.execute(delete(Alert).where(Alert.record_id.in_(world["contracts"])))
        user_ids = [user_id for user_id, _ in world["owners"]]
        cleanup.execute(delete(AlertEmailDigest).where(AlertEmailDigest.user_id.in_(user_ids)))
        cleanup.execute(delete(Contract).where(Contract.id.in_(world["contracts"])))
        cleanup.execute(delete(Client).where(Client.id.in_(world["clients"])))
        for user in cleanup.scalars(select(MsspUser).where(MsspUser.id.in_(user_ids))):
            cleanup.delete(user)
        cleanup.commit()


def test_two_concurrent_runs_fire_and_send_nothing_twice(app, committed_world, monkeypatch):
    smtp = FakeSmtpServer()
    for key, value in smtp_config(smtp.port).items():
        monkeypatch.setitem(app.config, key, value)
    engine = committed_world["engine"]
    start = threading.Barrier(2)
    reports, errors = [], []

    def scheduler() -> None:
        try:
            with app.app_context(), Session(engine) as session:
                start.wait()
                reports.append(run_alerts(TODAY, session=session))
        except BaseException as error:  # surfaced below: a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        assert sorted(len(r.fired) for r in reports) == [0, 6]  # 3 renewals at 7 days, 3 ends at 30
        assert sum(r.digests_sent for r in reports) == 3
        with Session(engine) as check:
            keys = check.execute(
                select(Alert.record_id, Alert.kind, Alert.level, func.count())
                .where(Alert.record_id.in_(committed_world["contracts"]))
                .group_by(Alert.record_id, Alert.kind, Alert.level)
            ).all()
            assert len(keys) == 6 and {row[3] for row in keys} == {1}
        received = Counter(rcpt for envelope in smtp.envelopes for rcpt in envelope)
        assert received == Counter({email: 1 for _, email in committed_world["owners"]})
        for _, email in committed_world["owners"]:
            (message,) = smtp.to(email)
            assert message["Subject"].startswith("2 alert(s)")
    finally:
        smtp.close()
