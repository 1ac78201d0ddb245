"""Hardware custody: assigning assets to clients, getting them back, and the asset's status.

- An asset has at most one open assignment (`return_date` NULL); the partial unique
  index `uq_client_hardware_assignments_open_asset` guarantees it in the database too.
- Opening an assignment moves the asset to IN_USE; a RETIRED or MAINTENANCE asset cannot
  be assigned. Closing the last open one moves an IN_USE asset back to IN_STOCK (or to
  what `return_hardware` was told: MAINTENANCE for a damaged one, RETIRED for a lost one).
- While an assignment is open the asset stays IN_USE; without one it cannot be set IN_USE.
- An assignment with a return date is not ACTIVE (it becomes RETURNED); a RETURNED, LOST
  or DAMAGED one needs its return date. Assignments are never deleted: they are the
  asset's custody history.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.models.clients import Client
from app.models.contracts import Contract, ServiceScope
from app.models.hardware import AssetStatus, ClientHardwareAssignment, HardwareAsset, HardwareAssignmentStatus
from app.services.clock import today_utc
from app.services.orm_state import PendingChanges, changed, committed_value, is_new, related
from app.services.transaction import session_or_default, unit_of_work

#: What happens to the asset when an assignment ends this way.
ASSET_STATUS_AFTER: dict[HardwareAssignmentStatus, AssetStatus] = {
    HardwareAssignmentStatus.RETURNED: AssetStatus.IN_STOCK,
    HardwareAssignmentStatus.DAMAGED: AssetStatus.MAINTENANCE,
    HardwareAssignmentStatus.LOST: AssetStatus.RETIRED,
}
UNASSIGNABLE_STATUSES = frozenset({AssetStatus.RETIRED, AssetStatus.MAINTENANCE})

_Assignment = ClientHardwareAssignment


def _asset_of(session: Session, assignment: _Assignment) -> HardwareAsset | None:
    return related(session, assignment, "hardware_asset", "hardware_asset_id", HardwareAsset)


def _is_open(assignment: _Assignment) -> bool:
    return assignment.return_date is None


def _opened_now(assignment: _Assignment) -> bool:
    if not _is_open(assignment):
        return False
    if is_new(assignment):
        return True
    reopened = committed_value(assignment, "return_date") is not None
    return reopened or changed(assignment, "hardware_asset_id", "hardware_asset")


def _previous_asset(session: Session, assignment: _Assignment) -> HardwareAsset | None:
    """The asset an assignment pointed at before this flush, if it changed."""
    if is_new(assignment) or not changed(assignment, "hardware_asset_id", "hardware_asset"):
        return None
    asset_id = committed_value(assignment, "hardware_asset_id")
    return session.get(HardwareAsset, asset_id) if asset_id is not None else None


def _normalise_assignment(session: Session, assignment: _Assignment) -> None:
    if assignment.return_date is not None and assignment.status in (None, HardwareAssignmentStatus.ACTIVE):
        assignment.status = HardwareAssignmentStatus.RETURNED
    if assignment.return_date is None and assignment.status not in (None, HardwareAssignmentStatus.ACTIVE):
        raise ValidationFailed(
            f"An assignment that is {assignment.status.value} needs its return date.", field="return_date"
        )
    start, end = assignment.assignment_date, assignment.return_date
    if start is not None and end is not None and end < start:
        raise ValidationFailed("The return date is before the assignment date.", field="return_date")
    due = assignment.expected_return_date
    if start is not None and due is not None and due < start:
        raise ValidationFailed(
            "The expected return date is before the assignment date.", field="expected_return_date"
        )
    scope = related(session, assignment, "service_scope", "service_scope_id", ServiceScope)
    client = related(session, assignment, "client", "client_id", Client)
    if scope is not None and client is not None:
        contract = related(session, scope, "contract", "contract_id", Contract)
        owner = related(session, contract, "client", "client_id", Client) if contract is not None else None
        if owner is not None and owner is not client:
            raise ValidationFailed(
                "The service scope belongs to another client's contract.", field="service_scope"
            )


def _open_assignments(
    session: Session, asset: HardwareAsset, touched: list[_Assignment]
) -> list[_Assignment]:
    """The assignments of `asset` that are open once this flush is written."""
    candidates = list(touched)
    if not is_new(asset):
        # Lock the asset: two requests assigning it at once are serialised here.
        session.execute(select(HardwareAsset.id).where(HardwareAsset.id == asset.id).with_for_update())
        candidates += session.scalars(
            select(_Assignment).where(
                _Assignment.hardware_asset_id == asset.id, _Assignment.return_date.is_(None)
            )
        )
    unique = {id(a): a for a in candidates}.values()
    return [a for a in unique if _is_open(a) and _asset_of(session, a) is asset]


def _settle_asset(session: Session, asset: HardwareAsset, touched: list[_Assignment]) -> None:
    open_now = _open_assignments(session, asset, touched)
    if len(open_now) > 1:
        holder = next((a for a in open_now if not _opened_now(a)), open_now[0])
        client = related(session, holder, "client", "client_id", Client)
        raise ValidationFailed(
            f"{asset} is already assigned to {client}: return it first.", field="hardware_asset"
        )
    status = asset.status or AssetStatus.IN_STOCK
    if open_now:
        if _opened_now(open_now[0]):
            before = committed_value(asset, "status") if not is_new(asset) else status
            if status in UNASSIGNABLE_STATUSES or before in UNASSIGNABLE_STATUSES:
                blocked = status if status in UNASSIGNABLE_STATUSES else before
                raise ValidationFailed(
                    f"{asset} is {blocked.value} and cannot be assigned.", field="hardware_asset"
                )
            asset.status = AssetStatus.IN_USE
        elif status is not AssetStatus.IN_USE:
            client = related(session, open_now[0], "client", "client_id", Client)
            raise ValidationFailed(
                f"{asset} is with {client}: return it before setting it {status.value}.",
                field="status",
            )
    elif status is AssetStatus.IN_USE:
        if any(_asset_of(session, a) is asset or _previous_asset(session, a) is asset for a in touched):
            asset.status = AssetStatus.IN_STOCK
        elif changed(asset, "status"):
            raise ValidationFailed(
                f"{asset} is in use only through an assignment: assign it to a client instead.",
                field="status",
            )


def check_hardware_changes(changes: PendingChanges) -> None:
    """Flush hook: assignment consistency, one open assignment per asset, the asset's status."""
    session = changes.session
    if changes.deleted_of(_Assignment):
        raise ValidationFailed(
            "A hardware assignment is the asset's custody history and cannot be deleted; return it instead."
        )
    fields = (
        "return_date",
        "expected_return_date",
        "status",
        "hardware_asset_id",
        "hardware_asset",
        "assignment_date",
        "client_id",
        "client",
        "service_scope_id",
        "service_scope",
    )
    touched = [a for a in changes.saved_of(_Assignment) if changed(a, *fields)]
    for assignment in touched:
        _normalise_assignment(session, assignment)
    assets: dict[int, HardwareAsset] = {}
    for assignment in touched:
        for asset in (_asset_of(session, assignment), _previous_asset(session, assignment)):
            if asset is not None:
                assets[id(asset)] = asset
    for asset in changes.saved_of(HardwareAsset):
        if changed(asset, "status"):
            assets.setdefault(id(asset), asset)
    for asset in assets.values():
        _settle_asset(session, asset, touched)


# --- actions and queries -----------------------------------------------------------------------


def assign_hardware(
    asset: HardwareAsset,
    client: Client,
    *,
    assignment_date: date | None = None,
    service_scope: ServiceScope | None = None,
    session: Session | None = None,
) -> ClientHardwareAssignment:
    """Hand `asset` to `client` (open assignment, asset IN_USE); commits.

    Refuses a RETIRED or MAINTENANCE asset and one already with a client.
    """
    session = session_or_default(session)
    with unit_of_work(session):
        assignment = ClientHardwareAssignment(
            hardware_asset_id=asset.id,
            client_id=client.id,
            service_scope_id=service_scope.id if service_scope is not None else None,
            assignment_date=assignment_date or today_utc(),
            status=HardwareAssignmentStatus.ACTIVE,
        )
        session.add(assignment)
        session.flush()
    return assignment


def return_hardware(
    assignment: ClientHardwareAssignment,
    *,
    return_date: date | None = None,
    outcome: HardwareAssignmentStatus = HardwareAssignmentStatus.RETURNED,
    session: Session | None = None,
) -> ClientHardwareAssignment:
    """Close an open assignment; the asset goes to IN_STOCK (MAINTENANCE if damaged,
    RETIRED if lost); commits."""
    session = session_or_default(session)
    with unit_of_work(session):
        if assignment.return_date is not None:
            raise ValidationFailed(
                f"This assignment was closed on {assignment.return_date}.", field="return_date"
            )
        if outcome not in ASSET_STATUS_AFTER:
            raise ValidationFailed("A return is returned, damaged or lost.", field="status")
        assignment.return_date = return_date or today_utc()
        assignment.status = outcome
        asset = assignment.hardware_asset
        asset.status = ASSET_STATUS_AFTER[outcome]
        session.flush()
    return assignment


def current_assignment(
    asset: HardwareAsset, session: Session | None = None
) -> ClientHardwareAssignment | None:
    """The open assignment of `asset`, if it is with a client."""
    session = session_or_default(session)
    return session.scalars(
        select(ClientHardwareAssignment).where(
            ClientHardwareAssignment.hardware_asset_id == asset.id,
            ClientHardwareAssignment.return_date.is_(None),
        )
    ).first()


def assignment_history(
    asset: HardwareAsset, session: Session | None = None
) -> list[ClientHardwareAssignment]:
    """Every assignment of `asset`, latest first: who had it, from when to when."""
    session = session_or_default(session)
    return list(
        session.scalars(
            select(ClientHardwareAssignment)
            .where(ClientHardwareAssignment.hardware_asset_id == asset.id)
            .order_by(
                ClientHardwareAssignment.assignment_date.desc(), ClientHardwareAssignment.created_at.desc()
            )
        )
    )


@dataclass(frozen=True)
class OverdueAssignment:
    assignment_id: uuid.UUID
    asset_label: str
    client_id: uuid.UUID
    company_name: str
    expected_return_date: date


def overdue_assignments(session: Session, today: date, limit: int = 50) -> list[OverdueAssignment]:
    """Assets still out past their expected return date (the "hardware not returned" alert's
    rows), the longest overdue first."""
    a = ClientHardwareAssignment
    rows = session.execute(
        select(a.id, HardwareAsset, Client.id, Client.company_name, a.expected_return_date)
        .join(HardwareAsset, HardwareAsset.id == a.hardware_asset_id)
        .join(Client, Client.id == a.client_id)
        .where(a.return_date.is_(None), a.expected_return_date < today)
        .where(a.status == HardwareAssignmentStatus.ACTIVE)
        .order_by(a.expected_return_date, a.id)
        .limit(limit)
    )
    return [OverdueAssignment(row[0], str(row[1]), row[2], row[3], row[4]) for row in rows]
