"""The Service Activation Form (SAF) of a scope: its status workflow and its dates.

Workflow (any other move is refused)::

    NOT_STARTED -> SENT_TO_CLIENT -> SIGNED -> IN_PROVISIONING -> ACTIVE <-> SUSPENDED
                        |                                            \\        /
                        +-> NOT_STARTED (sent back for changes)       DEACTIVATED
    NOT_STARTED, SENT_TO_CLIENT, SIGNED, IN_PROVISIONING -> CANCELLED

DEACTIVATED and CANCELLED are final. A scope may be created in any status (imports and
history), but its dates must fit it: ACTIVE, SUSPENDED and DEACTIVATED need
`saf_service_start_date`, DEACTIVATED also `saf_service_end_date`; the service dates lie
within the contract's dates and the end is not before the start.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.models.contracts import Contract, SafStatus, ServiceScope
from app.services.orm_state import PendingChanges, changed, committed_value, related
from app.services.transaction import session_or_default, unit_of_work

S = SafStatus

SAF_TRANSITIONS: dict[SafStatus, frozenset[SafStatus]] = {
    S.NOT_STARTED: frozenset({S.SENT_TO_CLIENT, S.CANCELLED}),
    S.SENT_TO_CLIENT: frozenset({S.SIGNED, S.NOT_STARTED, S.CANCELLED}),
    S.SIGNED: frozenset({S.IN_PROVISIONING, S.CANCELLED}),
    S.IN_PROVISIONING: frozenset({S.ACTIVE, S.CANCELLED}),
    S.ACTIVE: frozenset({S.SUSPENDED, S.DEACTIVATED}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.DEACTIVATED}),
    S.DEACTIVATED: frozenset(),
    S.CANCELLED: frozenset(),
}

#: Statuses in which the service has started (so it has a start date).
STARTED_STATUSES = frozenset({S.ACTIVE, S.SUSPENDED, S.DEACTIVATED})


def _label(status: SafStatus) -> str:
    return status.value.replace("_", " ")


def check_saf_transition(old: SafStatus, new: SafStatus) -> None:
    """Refuse a move of the SAF status that the workflow does not allow."""
    if old is new or new in SAF_TRANSITIONS[old]:
        return
    allowed = sorted(_label(s) for s in SAF_TRANSITIONS[old])
    hint = (
        f"from {_label(old)} it can move to: {', '.join(allowed)}" if allowed else f"{_label(old)} is final"
    )
    raise ValidationFailed(
        f"The SAF status cannot move from {_label(old)} to {_label(new)}; {hint}.", field="saf_status"
    )


def check_saf_dates(
    status: SafStatus | None, start: date | None, end: date | None, contract: Contract | None
) -> None:
    """Refuse SAF dates that do not fit the status or the contract."""
    status = status or S.NOT_STARTED
    if status in STARTED_STATUSES and start is None:
        raise ValidationFailed(
            f"A service that is {_label(status)} needs its service start date.",
            field="saf_service_start_date",
        )
    if status is S.DEACTIVATED and end is None:
        raise ValidationFailed(
            "A deactivated service needs its service end date.", field="saf_service_end_date"
        )
    if start is not None and end is not None and end < start:
        raise ValidationFailed("The service end date is before its start date.", field="saf_service_end_date")
    if contract is None or contract.start_date is None or contract.end_date is None:
        return
    window = f"the contract runs from {contract.start_date} to {contract.end_date}"
    for value, field in ((start, "saf_service_start_date"), (end, "saf_service_end_date")):
        if value is not None and not contract.start_date <= value <= contract.end_date:
            raise ValidationFailed(f"The service dates must lie within the contract: {window}.", field=field)


def check_scope_saf(session: Session, scope: ServiceScope, contract: Contract | None = None) -> None:
    """Every SAF rule for one scope (its transition only if it is already stored)."""
    if changed(scope, "saf_status") and committed_value(scope, "saf_status") is not None:
        check_saf_transition(committed_value(scope, "saf_status"), scope.saf_status)
    contract = contract or related(session, scope, "contract", "contract_id", Contract)
    check_saf_dates(scope.saf_status, scope.saf_service_start_date, scope.saf_service_end_date, contract)


def check_saf_changes(changes: PendingChanges) -> None:
    """Flush hook: new scopes and scopes whose SAF or contract changed."""
    fields = ("saf_status", "saf_service_start_date", "saf_service_end_date", "contract_id", "contract")
    for scope in changes.saved_of(ServiceScope):
        if changed(scope, *fields):
            check_scope_saf(changes.session, scope)


def move_saf(
    scope: ServiceScope,
    status: SafStatus,
    *,
    start_date: date | None = None,
    end_date: date | None = None,
    session: Session | None = None,
) -> ServiceScope:
    """Move a scope's SAF to `status`, setting the service dates given; commits.

    Raises ValidationFailed (nothing saved) when the move or the dates break a rule.
    """
    session = session_or_default(session)
    with unit_of_work(session):
        if start_date is not None:
            scope.saf_service_start_date = start_date
        if end_date is not None:
            scope.saf_service_end_date = end_date
        scope.saf_status = status
        session.flush()
    return scope
