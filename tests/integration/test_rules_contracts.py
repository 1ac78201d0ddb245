"""Contracts: dates, renewals and their chain, expiry, and contracts ending soon."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.errors import ValidationFailed
from app.models.contracts import Contract, ContractStatus, SafStatus, ScopeUnit
from app.services.contracts import (
    contracts_ending_within,
    contracts_ending_within_query,
    expire_overdue_contracts,
    renew_contract,
    renewal_chain,
)
from tests.factories import RETENTION_TEMPLATE, count, make_client, make_contract, make_scope, make_service

C = ContractStatus


def contracts_of(session, client) -> int:
    return count(session, Contract, Contract.client_id == client.id)


@pytest.mark.parametrize("end", [date(2026, 1, 1), date(2025, 12, 31)])
def test_a_contract_ends_after_it_starts(db_session, end):
    client = make_client(db_session)
    db_session.add(
        Contract(client=client, contract_name="Backwards", start_date=date(2026, 1, 1), end_date=end)
    )
    with pytest.raises(ValidationFailed, match="end date must be after the start date") as refused:
        db_session.commit()
    assert refused.value.field == "end_date"
    db_session.rollback()
    assert contracts_of(db_session, client) == 0


def test_an_edit_that_reverses_the_dates_is_refused(db_session):
    contract = make_contract(db_session)
    contract.end_date = contract.start_date
    with pytest.raises(ValidationFailed, match="after the start date"):
        db_session.commit()
    db_session.rollback()


# --- renewals --------------------------------------------------------------------------------


def test_renewing_creates_the_linked_successor_and_marks_the_old_one_renewed(db_session):
    service = make_service(db_session, template=RETENTION_TEMPLATE)
    old = make_contract(
        db_session,
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        renewal_date=date(2025, 11, 1),
        value=Decimal("50000.00"),
        currency="EUR",
        contract_name="Acme — Managed Security 2025",
    )
    make_scope(
        db_session,
        contract=old,
        service=service,
        scope_details={"coverage": "8x5", "retention_days": 90},
        price=Decimal("95.00"),
        quantity=Decimal(20),
        unit=ScopeUnit.GB_PER_DAY,
        saf_status=SafStatus.ACTIVE,
        saf_service_start_date=date(2025, 1, 10),
    )
    new = renew_contract(old, session=db_session)
    assert old.status is C.ACTIVE  # it runs, and counts, until the daily roll-over
    assert new.previous_contract is old and new.client is old.client
    assert (new.start_date, new.end_date) == (date(2026, 1, 1), date(2026, 12, 31))
    assert new.renewal_date == date(2026, 11, 1)  # the same notice period
    assert (new.value, new.currency, new.status) == (Decimal("50000.00"), "EUR", C.DRAFT)
    assert new.contract_name == "Acme — Managed Security 2026"
    [scope] = new.scopes
    assert scope.service is service
    assert scope.scope_details == {"coverage": "8x5", "retention_days": 90}
    assert (scope.price, scope.quantity, scope.unit) == (Decimal("95.00"), Decimal(20), ScopeUnit.GB_PER_DAY)
    # A running service continues under the renewal from its first day.
    assert (scope.saf_status, scope.saf_service_start_date) == (SafStatus.ACTIVE, date(2026, 1, 1))
    assert len(old.scopes) == 1  # copied, not moved


def test_value_currency_end_date_name_and_status_can_be_overridden(db_session):
    old = make_contract(db_session, value=Decimal("1000.00"), currency="EUR")
    new = renew_contract(
        old,
        value=Decimal("1200.00"),
        currency="USD",
        end_date=date(2029, 12, 31),
        contract_name="Three-year renewal",
        status=C.SIGNED,
        session=db_session,
        today=date(2026, 6, 1),
    )
    assert (new.value, new.currency, new.status) == (Decimal("1200.00"), "USD", C.SIGNED)
    assert (new.start_date, new.end_date, new.contract_name) == (
        date(2027, 1, 1),
        date(2029, 12, 31),
        "Three-year renewal",
    )
    assert old.status is C.ACTIVE


@pytest.mark.parametrize("start", [date(2026, 12, 31), date(2027, 1, 2)])
def test_a_renewal_starts_the_day_after_the_old_end_no_overlap_no_gap(db_session, start):
    old = make_contract(db_session)
    expected = "starts the day after the contract it renews ends: 2027-01-01"
    with pytest.raises(ValidationFailed, match=expected):
        renew_contract(old, start_date=start, session=db_session)
    db_session.rollback()


def test_a_renewal_is_created_as_draft_or_signed_never_active(db_session):
    old = make_contract(db_session)
    with pytest.raises(ValidationFailed, match="draft or as signed") as refused:
        renew_contract(old, status=C.ACTIVE, session=db_session)
    assert refused.value.field == "status"


def test_a_successor_cannot_be_made_active_while_its_predecessor_runs(db_session):
    old = make_contract(db_session)
    new = renew_contract(old, status=C.SIGNED, session=db_session, today=date(2026, 6, 1))
    new.status = C.ACTIVE
    with pytest.raises(ValidationFailed, match="runs until 2026-12-31: mark this renewal Signed") as refused:
        db_session.commit()
    assert refused.value.field == "status"
    db_session.rollback()


def test_a_renewed_contracts_end_date_stays_the_day_before_its_renewal(db_session):
    old = make_contract(db_session)
    renew_contract(old, session=db_session)
    old.end_date = date(2027, 3, 31)
    with pytest.raises(ValidationFailed, match="the end date stays 2026-12-31") as refused:
        db_session.commit()
    assert refused.value.field == "end_date"
    db_session.rollback()


def test_renewing_a_lapsed_contract_as_signed_takes_over_at_once(db_session):
    old = make_contract(
        db_session, start_date=date(2025, 1, 1), end_date=date(2025, 12, 31), status=C.EXPIRED
    )
    new = renew_contract(old, status=C.SIGNED, session=db_session, today=date(2026, 2, 1))
    assert (old.status, new.status) == (C.RENEWED, C.ACTIVE)


def test_a_second_renewal_of_the_same_contract_is_refused(db_session):
    old = make_contract(db_session)
    renew_contract(old, session=db_session)
    with pytest.raises(ValidationFailed, match="has already been renewed") as refused:
        renew_contract(old, session=db_session)
    assert refused.value.field == "status"
    assert contracts_of(db_session, old.client) == 2


def test_a_second_successor_by_hand_is_refused_too(db_session):
    old = make_contract(db_session)
    renew_contract(old, session=db_session)
    db_session.add(
        Contract(
            client=old.client,
            contract_name="Rival renewal",
            start_date=date(2027, 1, 1),
            end_date=date(2027, 12, 31),
            previous_contract=old,
        )
    )
    with pytest.raises(ValidationFailed, match="has already been renewed by") as refused:
        db_session.commit()
    assert refused.value.field == "previous_contract"
    db_session.rollback()


@pytest.mark.parametrize("status", [C.DRAFT, C.TERMINATED])
def test_only_an_active_or_expired_contract_can_be_renewed(db_session, status):
    old = make_contract(db_session, status=status)
    with pytest.raises(ValidationFailed, match="only an active or expired contract can be renewed"):
        renew_contract(old, session=db_session)
    assert old.status is status and contracts_of(db_session, old.client) == 1


def test_an_expired_contract_can_be_renewed(db_session):
    old = make_contract(db_session, status=C.EXPIRED)
    assert renew_contract(old, session=db_session).previous_contract is old


def test_a_renewal_belongs_to_the_same_client_and_never_loops(db_session):
    old = make_contract(db_session)
    db_session.add(
        Contract(
            client=make_client(db_session),
            contract_name="Stolen renewal",
            start_date=date(2027, 1, 1),
            end_date=date(2027, 12, 31),
            previous_contract=old,
        )
    )
    with pytest.raises(ValidationFailed, match="client of the contract it renews"):
        db_session.commit()
    db_session.rollback()
    new = renew_contract(old, session=db_session)
    old.previous_contract = new
    with pytest.raises(ValidationFailed, match="cannot be its own renewal"):
        db_session.commit()
    db_session.rollback()


def test_the_renewal_chain_is_found_from_any_link(db_session):
    first = make_contract(db_session, start_date=date(2024, 1, 1), end_date=date(2024, 12, 31))
    second = renew_contract(first, status=C.SIGNED, session=db_session)
    third = renew_contract(second, session=db_session)
    for member in (first, second, third):
        assert renewal_chain(member, session=db_session) == [first, second, third]
    assert [c.start_date.year for c in renewal_chain(third, session=db_session)] == [2024, 2025, 2026]


# --- expiry ----------------------------------------------------------------------------------


def test_active_contracts_past_their_end_date_expire(db_session):
    client = make_client(db_session)
    overdue = make_contract(db_session, client, end_date=date(2026, 6, 29))
    ends_today = make_contract(db_session, client, end_date=date(2026, 6, 30))
    draft = make_contract(db_session, client, end_date=date(2026, 1, 31), status=C.DRAFT)
    changed = expire_overdue_contracts(date(2026, 6, 30), session=db_session)
    assert changed >= 1
    db_session.expire_all()
    assert (overdue.status, ends_today.status, draft.status) == (C.EXPIRED, C.ACTIVE, C.DRAFT)
    assert expire_overdue_contracts(date(2026, 6, 30), session=db_session) == 0  # idempotent
    assert overdue.version == 2  # optimistic lock bumped: a stale form edit is refused


# --- ending within N days --------------------------------------------------------------------


def test_contracts_ending_within_n_days(db_session):
    client = make_client(db_session)
    today = date(2026, 3, 1)
    ends = {
        days: make_contract(db_session, client, start_date=date(2025, 6, 1), end_date=date(2026, 3, 1 + days))
        for days in (0, 29, 30)
    }
    later = make_contract(db_session, client, start_date=date(2025, 6, 1), end_date=date(2026, 4, 1))
    past = make_contract(db_session, client, start_date=date(2025, 6, 1), end_date=date(2026, 2, 28))
    draft = make_contract(db_session, client, end_date=date(2026, 3, 10), status=C.DRAFT)
    found = contracts_ending_within(30, today=today, session=db_session, client_id=client.id)
    assert found == [ends[0], ends[29], ends[30]]  # soonest first, both ends included
    assert later not in found and past not in found and draft not in found
    sixty = contracts_ending_within(60, today=today, session=db_session, client_id=client.id)
    assert later in sixty
    assert "ORDER BY contracts.end_date" in str(contracts_ending_within_query(90))


def test_a_negative_number_of_days_is_refused(db_session):
    with pytest.raises(ValidationFailed, match="cannot be negative"):
        contracts_ending_within(-1, session=db_session)


# --- contract dates and its scopes' service dates --------------------------------------------


def test_moving_the_contract_dates_keeps_its_active_services_inside(db_session):
    contract = make_contract(db_session)
    make_scope(
        db_session,
        contract=contract,
        saf_status=SafStatus.ACTIVE,
        saf_service_start_date=date(2026, 2, 1),
        saf_service_end_date=date(2026, 12, 31),
    )
    contract.end_date = date(2026, 6, 30)
    with pytest.raises(ValidationFailed, match="within the contract") as refused:
        db_session.commit()
    assert refused.value.field == "end_date"
    db_session.rollback()
    contract.start_date = date(2025, 12, 1)  # widening is fine
    db_session.commit()
