"""Hardware custody: one open assignment, asset statuses that follow, history kept."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from app.errors import ValidationFailed
from app.models.hardware import AssetStatus, ClientHardwareAssignment, HardwareAssignmentStatus
from app.services.clock import today_utc
from app.services.hardware import assign_hardware, assignment_history, current_assignment, return_hardware
from tests.factories import count, make_asset, make_client, make_contract, make_scope

H = HardwareAssignmentStatus


def assignments_of(session, asset) -> int:
    return count(session, ClientHardwareAssignment, ClientHardwareAssignment.hardware_asset_id == asset.id)


def test_assigning_opens_an_assignment_and_puts_the_asset_in_use(db_session):
    asset, client = make_asset(db_session), make_client(db_session)
    assignment = assign_hardware(asset, client, session=db_session)
    assert (assignment.status, assignment.return_date, assignment.assignment_date) == (
        H.ACTIVE,
        None,
        today_utc(),
    )
    assert asset.status is AssetStatus.IN_USE
    assert current_assignment(asset, session=db_session) is assignment


def test_an_asset_already_with_a_client_cannot_be_assigned_again(db_session):
    asset = make_asset(db_session)
    first = make_client(db_session, company_name="First Holder Ltd")
    assign_hardware(asset, first, session=db_session)
    with pytest.raises(ValidationFailed, match="already assigned to First Holder Ltd") as refused:
        assign_hardware(asset, make_client(db_session), session=db_session)
    assert refused.value.field == "hardware_asset"
    assert assignments_of(db_session, asset) == 1


def test_the_database_refuses_a_second_open_assignment_too(db_session):
    """The partial unique index: the last line if the service were bypassed with SQL."""
    asset, client = make_asset(db_session), make_client(db_session)
    assign_hardware(asset, client, session=db_session)
    from sqlalchemy import text

    with (
        pytest.raises(IntegrityError, match="uq_client_hardware_assignments_open_asset"),
        db_session.begin_nested(),
    ):
        db_session.execute(
            text("INSERT INTO client_hardware_assignments (hardware_asset_id, client_id) VALUES (:a, :c)"),
            {"a": asset.id, "c": client.id},
        )


@pytest.mark.parametrize("status", [AssetStatus.RETIRED, AssetStatus.MAINTENANCE])
def test_a_retired_or_maintenance_asset_cannot_be_assigned(db_session, status):
    asset = make_asset(db_session, status=status)
    with pytest.raises(ValidationFailed, match=f"is {status.value} and cannot be assigned"):
        assign_hardware(asset, make_client(db_session), session=db_session)
    assert assignments_of(db_session, asset) == 0
    assert asset.status is status


def test_returning_sets_the_date_and_puts_the_asset_back_in_stock(db_session):
    asset, client = make_asset(db_session), make_client(db_session)
    assignment = assign_hardware(asset, client, assignment_date=date(2026, 1, 5), session=db_session)
    return_hardware(assignment, return_date=date(2026, 3, 1), session=db_session)
    assert (assignment.return_date, assignment.status) == (date(2026, 3, 1), H.RETURNED)
    assert asset.status is AssetStatus.IN_STOCK
    assert current_assignment(asset, session=db_session) is None
    with pytest.raises(ValidationFailed, match="was closed on 2026-03-01"):
        return_hardware(assignment, session=db_session)


@pytest.mark.parametrize(
    ("outcome", "asset_status"),
    [(H.DAMAGED, AssetStatus.MAINTENANCE), (H.LOST, AssetStatus.RETIRED)],
)
def test_a_damaged_or_lost_return_moves_the_asset_accordingly(db_session, outcome, asset_status):
    asset = make_asset(db_session)
    assignment = assign_hardware(asset, make_client(db_session), session=db_session)
    return_hardware(assignment, outcome=outcome, session=db_session)
    assert asset.status is asset_status
    with pytest.raises(ValidationFailed, match="cannot be assigned"):
        assign_hardware(asset, make_client(db_session), session=db_session)


def test_a_return_is_not_before_the_assignment(db_session):
    assignment = assign_hardware(
        make_asset(db_session), make_client(db_session), assignment_date=date(2026, 5, 1), session=db_session
    )
    with pytest.raises(ValidationFailed, match="before the assignment date"):
        return_hardware(assignment, return_date=date(2026, 4, 30), session=db_session)
    assert db_session.get(ClientHardwareAssignment, assignment.id).return_date is None


def test_the_history_keeps_every_custody_latest_first(db_session):
    asset = make_asset(db_session)
    clients = [make_client(db_session, company_name=f"Holder {n} {asset.asset_tag}") for n in range(3)]
    for n, client in enumerate(clients):
        assignment = assign_hardware(asset, client, assignment_date=date(2026, n + 1, 1), session=db_session)
        if n < 2:
            return_hardware(assignment, return_date=date(2026, n + 1, 20), session=db_session)
    history = assignment_history(asset, session=db_session)
    assert [a.client for a in history] == clients[::-1]
    assert [a.return_date for a in history] == [None, date(2026, 2, 20), date(2026, 1, 20)]


def test_an_assignment_cannot_be_deleted(db_session):
    assignment = assign_hardware(make_asset(db_session), make_client(db_session), session=db_session)
    db_session.delete(assignment)
    with pytest.raises(ValidationFailed, match="custody history and cannot be deleted"):
        db_session.commit()
    db_session.rollback()


# --- the same rules through plain ORM edits (what forms and the API do) ------------------------


def test_a_form_that_fills_the_return_date_closes_the_assignment(db_session):
    asset = make_asset(db_session)
    assignment = assign_hardware(asset, make_client(db_session), session=db_session)
    assignment.return_date = today_utc()
    db_session.commit()
    assert assignment.status is H.RETURNED and asset.status is AssetStatus.IN_STOCK


def test_a_closed_status_needs_a_return_date(db_session):
    assignment = assign_hardware(make_asset(db_session), make_client(db_session), session=db_session)
    assignment.status = H.LOST
    with pytest.raises(ValidationFailed, match="lost needs its return date") as refused:
        db_session.commit()
    assert refused.value.field == "return_date"
    db_session.rollback()


def test_a_form_insert_of_an_open_assignment_puts_the_asset_in_use(db_session):
    asset, client = make_asset(db_session), make_client(db_session)
    db_session.add(ClientHardwareAssignment(hardware_asset_id=asset.id, client_id=client.id))
    db_session.commit()
    assert asset.status is AssetStatus.IN_USE


def test_an_asset_in_use_keeps_its_status_until_returned(db_session):
    asset = make_asset(db_session)
    assign_hardware(asset, make_client(db_session), session=db_session)
    asset.status = AssetStatus.RETIRED
    with pytest.raises(ValidationFailed, match="return it before setting it retired") as refused:
        db_session.commit()
    assert refused.value.field == "status"
    db_session.rollback()
    assert asset.status is AssetStatus.IN_USE


def test_an_asset_is_in_use_only_through_an_assignment(db_session):
    asset = make_asset(db_session)
    asset.status = AssetStatus.IN_USE
    with pytest.raises(ValidationFailed, match="assign it to a client instead"):
        db_session.commit()
    db_session.rollback()
    asset.status = AssetStatus.MAINTENANCE  # other moves without an assignment are free
    db_session.commit()


def test_reopening_a_returned_assignment_is_checked_like_a_new_one(db_session):
    asset = make_asset(db_session)
    old = assign_hardware(
        asset, make_client(db_session), assignment_date=date(2026, 1, 1), session=db_session
    )
    return_hardware(old, return_date=date(2026, 2, 1), session=db_session)
    assign_hardware(asset, make_client(db_session), session=db_session)
    old.return_date = None
    old.status = H.ACTIVE
    with pytest.raises(ValidationFailed, match="already assigned"):
        db_session.commit()
    db_session.rollback()


def test_returning_and_reassigning_in_one_go_is_fine(db_session):
    asset = make_asset(db_session)
    old = assign_hardware(asset, make_client(db_session), session=db_session)
    old.return_date = today_utc()
    db_session.add(ClientHardwareAssignment(hardware_asset=asset, client=make_client(db_session)))
    db_session.commit()
    assert asset.status is AssetStatus.IN_USE and assignments_of(db_session, asset) == 2


def test_the_scope_of_an_assignment_belongs_to_the_same_client(db_session):
    scope = make_scope(db_session, contract=make_contract(db_session))
    with pytest.raises(ValidationFailed, match="another client's contract"):
        assign_hardware(
            make_asset(db_session), make_client(db_session), service_scope=scope, session=db_session
        )
    client = scope.contract.client
    assignment = assign_hardware(make_asset(db_session), client, service_scope=scope, session=db_session)
    assert assignment.service_scope is scope
