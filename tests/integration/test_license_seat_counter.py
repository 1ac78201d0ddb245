"""A pool's `assigned_seats` counter follows every change of its assignments (service and ORM)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.errors import ValidationFailed
from app.models.licensing import ClientLicense, ClientLicenseStatus, LicensePool, LicenseType
from app.services.licensing import allocate_seats, recount_assigned_seats, release_seats
from tests.factories import make_client, make_pool

L = ClientLicenseStatus


def counters(session, *pools: LicensePool) -> list[tuple[int, int]]:
    """(stored counter, seats its holding assignments really hold) per pool, read from the database."""
    rows = session.execute(
        text("""
            SELECT p.id, p.assigned_seats, coalesce(sum(cl.assigned_seats) FILTER (
                       WHERE cl.status IN ('pending', 'active', 'suspended')), 0)
            FROM license_pools p LEFT JOIN client_licenses cl ON cl.license_pool_id = p.id
            WHERE p.id = ANY(:ids) GROUP BY p.id"""),
        {"ids": [p.id for p in pools]},
    ).all()
    by_id = {pool_id: (stored, held) for pool_id, stored, held in rows}
    return [by_id[p.id] for p in pools]


def test_assign_release_and_revoke_through_the_service(db_session):
    pool = make_pool(db_session, total=20)
    first = allocate_seats(pool, make_client(db_session), 5, session=db_session)
    allocate_seats(pool, make_client(db_session), 3, status=L.PENDING, session=db_session)
    assert counters(db_session, pool) == [(8, 8)]
    release_seats(first, 2, session=db_session)
    assert counters(db_session, pool) == [(6, 6)]
    release_seats(first, session=db_session)  # revoked: its 3 seats go back
    assert counters(db_session, pool) == [(3, 3)]
    assert pool.assigned_seats == 3  # the loaded pool sees it too


def test_a_refused_allocation_leaves_the_counter_alone(db_session):
    pool = make_pool(db_session, total=4)
    allocate_seats(pool, make_client(db_session), 4, session=db_session)
    with pytest.raises(ValidationFailed):
        allocate_seats(pool, make_client(db_session), 1, session=db_session)
    assert counters(db_session, pool) == [(4, 4)]


def test_transfer_status_changes_and_deletion_as_a_form_would_do_them(db_session):
    old, new = make_pool(db_session, total=10), make_pool(db_session, total=10)
    license_ = allocate_seats(old, make_client(db_session), 4, session=db_session)
    license_.license_pool = new  # transfer to another pool, growing on the way
    license_.assigned_seats = 6
    db_session.commit()
    assert counters(db_session, old, new) == [(0, 0), (6, 6)]
    license_.status = L.SUSPENDED  # still holds its seats
    db_session.commit()
    assert counters(db_session, new) == [(6, 6)]
    license_.status = L.EXPIRED
    db_session.commit()
    assert counters(db_session, new) == [(0, 0)]
    license_.status = L.ACTIVE  # taken again
    license_.license_pool_id = old.id  # and moved back by key
    db_session.commit()
    assert counters(db_session, old, new) == [(6, 6), (0, 0)]
    db_session.delete(license_)
    db_session.commit()
    assert counters(db_session, old) == [(0, 0)]


def test_a_new_pool_and_its_assignments_in_one_flush(db_session):
    client = make_client(db_session)
    pool = LicensePool(product_name="Counter EDR", vendor="V", license_type=LicenseType.TERM, total_seats=9)
    db_session.add_all(
        [
            ClientLicense(license_pool=pool, client=client, assigned_seats=4),
            ClientLicense(license_pool=pool, client=client, assigned_seats=2, status=L.REVOKED),
            ClientLicense(license_pool=pool, client=client, assigned_seats=1, status=L.PENDING),
        ]
    )
    db_session.commit()
    assert counters(db_session, pool) == [(5, 5)]


def test_recount_repairs_a_counter_a_bulk_load_left_behind(db_session):
    pool = make_pool(db_session, total=10)
    allocate_seats(pool, make_client(db_session), 7, session=db_session)
    db_session.execute(text("UPDATE license_pools SET assigned_seats = 0 WHERE id = :id"), {"id": pool.id})
    db_session.commit()
    assert counters(db_session, pool) == [(0, 7)]
    assert recount_assigned_seats(db_session) >= 1
    assert counters(db_session, pool) == [(7, 7)]
    assert recount_assigned_seats(db_session) == 0


def test_the_daily_snapshot_counts_the_seats_the_pool_counter_counts(db_session):
    from app.services.clock import today_utc
    from app.services.snapshots import compute_snapshot_rows

    pool = make_pool(db_session, total=20)
    client = make_client(db_session)
    for seats, status in ((4, L.ACTIVE), (3, L.PENDING), (2, L.SUSPENDED), (1, L.ACTIVE)):
        allocate_seats(pool, client, seats, status=status, session=db_session)
    revoked = allocate_seats(pool, client, 5, session=db_session)
    release_seats(revoked, session=db_session)
    rows = compute_snapshot_rows(today_utc())
    (mine,) = [row for row in rows if row["client_id"] == str(client.id)]
    assert mine["license_seats_assigned"] == pool.assigned_seats == 10
