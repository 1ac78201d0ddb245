"""License seats: capacity under a lock, expired and retired pools, shrinking, usage, races."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.models.licensing import ClientLicense, ClientLicenseStatus, LicensePool
from app.services.clock import today_utc
from app.services.licensing import (
    allocate_seats,
    assigned_cost_by_currency,
    pool_usage,
    release_seats,
    usage_by_pool,
)
from tests.factories import count, make_client, make_pool

L = ClientLicenseStatus


def licenses_of(session, pool) -> int:
    return count(session, ClientLicense, ClientLicense.license_pool_id == pool.id)


def test_allocating_within_the_pool_and_the_pool_figures(db_session):
    pool = make_pool(db_session, total=10, cost_per_seat=Decimal("2.50"), currency="USD")
    license_ = allocate_seats(pool, make_client(db_session), 4, session=db_session)
    assert license_.status is L.ACTIVE and license_.assignment_date == today_utc()
    usage = pool_usage(pool)
    assert (usage.total, usage.assigned, usage.free) == (10, 4, 6)
    assert usage.utilisation_percent == Decimal("40.0")
    assert (usage.assigned_cost, usage.currency) == (Decimal("10.00"), "USD")


def test_the_last_free_seats_can_be_taken_but_not_one_more(db_session):
    pool = make_pool(db_session, total=5)
    allocate_seats(pool, make_client(db_session), 3, session=db_session)
    allocate_seats(pool, make_client(db_session), 2, session=db_session)  # exactly full
    with pytest.raises(ValidationFailed, match="has 0 free seat\\(s\\) of 5; 1 requested") as refused:
        allocate_seats(pool, make_client(db_session), 1, session=db_session)
    assert refused.value.field == "assigned_seats"
    assert licenses_of(db_session, pool) == 2
    assert pool_usage(pool).utilisation_percent == Decimal("100.0")


def test_a_form_or_api_insert_is_checked_too(db_session):
    """The same rule holds for a plain ORM insert (what a FAB form or API does)."""
    pool = make_pool(db_session, total=2)
    client = make_client(db_session)
    db_session.add(ClientLicense(license_pool=pool, client=client, assigned_seats=3))
    with pytest.raises(ValidationFailed, match="has 2 free seat"):
        db_session.flush()
    db_session.rollback()
    assert licenses_of(db_session, pool) == 0


def test_several_new_assignments_in_one_flush_are_counted_together(db_session):
    pool = make_pool(db_session, total=5)
    client = make_client(db_session)
    db_session.add_all([ClientLicense(license_pool=pool, client=client, assigned_seats=3) for _ in range(2)])
    with pytest.raises(ValidationFailed, match="free seat"):
        db_session.flush()
    db_session.rollback()


@pytest.mark.parametrize("status", [L.PENDING, L.ACTIVE, L.SUSPENDED])
def test_pending_active_and_suspended_assignments_hold_seats(db_session, status):
    pool = make_pool(db_session, total=3)
    allocate_seats(pool, make_client(db_session), 3, status=status, session=db_session)
    with pytest.raises(ValidationFailed):
        allocate_seats(pool, make_client(db_session), 1, session=db_session)


@pytest.mark.parametrize("status", [L.REVOKED, L.EXPIRED])
def test_a_released_assignment_frees_its_seats(db_session, status):
    pool = make_pool(db_session, total=3)
    license_ = allocate_seats(pool, make_client(db_session), 3, session=db_session)
    release_seats(license_, status=status, session=db_session)
    assert license_.status is status
    assert pool_usage(pool).assigned == 0
    allocate_seats(pool, make_client(db_session), 3, session=db_session)


def test_a_partial_release_keeps_the_rest(db_session):
    pool = make_pool(db_session, total=10)
    license_ = allocate_seats(pool, make_client(db_session), 6, session=db_session)
    release_seats(license_, 2, session=db_session)
    assert license_.assigned_seats == 4 and pool_usage(pool).free == 6
    for seats in (0, 4, 5):
        with pytest.raises(ValidationFailed, match="Between 1 and 3 seat"):
            release_seats(license_, seats, session=db_session)
    with pytest.raises(ValidationFailed, match="revoked or expired"):
        release_seats(license_, status=L.ACTIVE, session=db_session)


def test_growing_or_reviving_an_assignment_is_checked(db_session):
    pool = make_pool(db_session, total=5)
    first = allocate_seats(pool, make_client(db_session), 3, session=db_session)
    second = allocate_seats(pool, make_client(db_session), 2, session=db_session)
    first.assigned_seats = 4  # 2 are held by the other client: 3 are left for this one
    with pytest.raises(ValidationFailed, match="has 3 free seat\\(s\\) of 5; 4 requested"):
        db_session.commit()
    db_session.rollback()
    release_seats(second, session=db_session)
    allocate_seats(pool, make_client(db_session), 2, session=db_session)
    second.status = L.ACTIVE  # revoked seats were given to someone else meanwhile
    with pytest.raises(ValidationFailed, match="free seat"):
        db_session.commit()
    db_session.rollback()
    assert pool_usage(pool).assigned == 5


@pytest.mark.parametrize("seats", [0, -1])
def test_an_assignment_has_at_least_one_seat(db_session, seats):
    pool = make_pool(db_session, total=5)
    with pytest.raises(ValidationFailed, match="at least one seat"):
        allocate_seats(pool, make_client(db_session), seats, session=db_session)


def test_an_expired_pool_cannot_be_assigned_from_but_a_pool_expiring_today_can(db_session):
    today = today_utc()
    expired = make_pool(db_session, total=5, expiry_date=today - timedelta(days=1))
    with pytest.raises(ValidationFailed, match="expired on") as refused:
        allocate_seats(expired, make_client(db_session), 1, session=db_session)
    assert refused.value.field == "license_pool"
    assert licenses_of(db_session, expired) == 0
    last_day = make_pool(db_session, total=5, expiry_date=today)
    allocate_seats(last_day, make_client(db_session), 1, session=db_session)


def test_seats_held_in_a_pool_that_expired_stay_editable(db_session):
    pool = make_pool(db_session, total=5)
    license_ = allocate_seats(pool, make_client(db_session), 3, session=db_session)
    pool.expiry_date = today_utc() - timedelta(days=10)
    db_session.commit()
    license_.custom_field_data = {"ticket": "X-1"}
    db_session.commit()
    release_seats(license_, 1, session=db_session)  # shrinking takes no new seat
    license_.assigned_seats = 3
    with pytest.raises(ValidationFailed, match="expired"):
        db_session.commit()
    db_session.rollback()


def test_a_retired_pool_cannot_be_assigned_from(db_session):
    pool = make_pool(db_session, total=5, is_active=False)
    with pytest.raises(ValidationFailed, match="is retired"):
        allocate_seats(pool, make_client(db_session), 1, session=db_session)


def test_a_pool_cannot_shrink_below_what_is_assigned(db_session):
    pool = make_pool(db_session, total=10)
    allocate_seats(pool, make_client(db_session), 6, session=db_session)
    pool.total_seats = 5
    with pytest.raises(
        ValidationFailed, match="6 seats of .* are assigned: the pool cannot shrink"
    ) as refused:
        db_session.commit()
    assert refused.value.field == "total_seats"
    db_session.rollback()
    assert db_session.get(LicensePool, pool.id).total_seats == 10
    pool.total_seats = 6  # exactly what is assigned
    db_session.commit()
    pool.total_seats = -1
    with pytest.raises(ValidationFailed, match="negative"):
        db_session.commit()
    db_session.rollback()


def test_usage_of_many_pools_and_cost_per_currency(db_session):
    usd = make_pool(db_session, total=10, cost_per_seat=Decimal("3.00"), currency="USD")
    eur = make_pool(db_session, total=4, cost_per_seat=Decimal("1.25"), currency="EUR")
    empty = make_pool(db_session, total=0, currency="USD")
    client = make_client(db_session)
    allocate_seats(usd, client, 5, session=db_session)
    allocate_seats(eur, client, 4, session=db_session)
    usage = usage_by_pool([usd, eur, empty], session=db_session)
    assert (usage[usd.id].assigned, usage[usd.id].assigned_cost) == (5, Decimal("15.00"))
    assert (usage[eur.id].free, usage[eur.id].utilisation_percent) == (0, Decimal("100.0"))
    assert (usage[empty.id].assigned, usage[empty.id].utilisation_percent) == (0, Decimal("0.0"))
    totals = assigned_cost_by_currency(session=db_session)
    assert totals["EUR"] >= Decimal("5.00") and totals["USD"] >= Decimal("15.00")


# --- concurrency: real commits from many threads ---------------------------------------------

THREADS = 8
ATTEMPTS = 4
TOTAL_SEATS = 10


def test_racing_allocations_never_exceed_the_pool(app):
    """8 threads x 4 attempts, each in its own session and transaction, all starting together."""
    from app.extensions import db
    from app.models.clients import Client

    with app.app_context():
        engine = db.engine
    with Session(engine) as setup:
        pool = LicensePool(
            product_name="Race Pool", vendor="Race", license_type="subscription", total_seats=TOTAL_SEATS
        )
        clients = [Client(company_name=f"Racer {n} {id(setup)}") for n in range(THREADS)]
        setup.add_all([pool, *clients])
        setup.commit()
        pool_id, client_ids = pool.id, [c.id for c in clients]
    start = threading.Barrier(THREADS)
    granted: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def racer(client_id) -> None:
        try:
            start.wait()
            for _ in range(ATTEMPTS):
                with Session(engine) as session:
                    try:
                        allocate_seats(
                            session.get(LicensePool, pool_id),
                            session.get(Client, client_id),
                            1,
                            session=session,
                        )
                        with lock:
                            granted.append(1)
                    except ValidationFailed as refusal:
                        with lock:
                            refused.append(refusal.message)
        except BaseException as error:  # surfaced below: a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=racer, args=(cid,)) for cid in client_ids]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors
        with Session(engine) as check:
            assigned = check.scalar(
                select(func.coalesce(func.sum(ClientLicense.assigned_seats), 0)).where(
                    ClientLicense.license_pool_id == pool_id
                )
            )
        assert assigned == TOTAL_SEATS == len(granted)
        assert len(refused) == THREADS * ATTEMPTS - TOTAL_SEATS
        assert all("free seat" in message for message in refused)
    finally:
        with Session(engine) as cleanup:
            cleanup.execute(delete(ClientLicense).where(ClientLicense.license_pool_id == pool_id))
            cleanup.execute(delete(LicensePool).where(LicensePool.id == pool_id))
            cleanup.execute(delete(Client).where(Client.id.in_(client_ids)))
            cleanup.commit()
