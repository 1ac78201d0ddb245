"""Proposal rules: numbered versions, superseding, one accepted, sending, the assignee.

- Versions count up per (service scope, proposal type): a new proposal gets the next
  `document_version` (1, 2, 3...); an explicit number must be that next one, and a stored
  proposal keeps its scope, type and number.
- A new version supersedes the earlier ones: those still DRAFT, IN_REVIEW, SENT or
  ACCEPTED become WITHDRAWN.
- At most one ACCEPTED proposal per (scope, type) (also a partial unique index).
- SENT needs a `valid_until_date` after today (checked when it is sent or the date moves).
- The assignee is an active user.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.models.contracts import Proposal, ProposalStatus, ProposalType, ServiceScope
from app.models.users import MsspUser
from app.services.clock import today_utc
from app.services.orm_state import PendingChanges, changed, is_new, related
from app.services.transaction import session_or_default, unit_of_work

#: What a new version withdraws.
SUPERSEDED_STATUSES = frozenset(
    {ProposalStatus.DRAFT, ProposalStatus.IN_REVIEW, ProposalStatus.SENT, ProposalStatus.ACCEPTED}
)


def _scope_of(session: Session, proposal: Proposal) -> ServiceScope | None:
    return related(session, proposal, "service_scope", "service_scope_id", ServiceScope)


def _stored_versions(session: Session, scope: ServiceScope, kind: ProposalType) -> list[Proposal]:
    if is_new(scope):
        return []
    query = select(Proposal).where(Proposal.service_scope_id == scope.id, Proposal.proposal_type == kind)
    return list(session.scalars(query))


def _number_new_versions(changes: PendingChanges) -> None:
    session = changes.session
    groups: dict[tuple[int, Any], list[Proposal]] = defaultdict(list)
    scopes: dict[int, ServiceScope] = {}
    for proposal in changes.new_of(Proposal):
        scope = _scope_of(session, proposal)
        if scope is None or proposal.proposal_type is None:
            continue  # NOT NULL columns refuse it
        scopes[id(scope)] = scope
        groups[(id(scope), proposal.proposal_type)].append(proposal)
    for (scope_key, kind), fresh in groups.items():
        earlier = _stored_versions(session, scopes[scope_key], kind)
        last = max((p.document_version for p in earlier), default=0)
        for proposal in sorted(fresh, key=lambda p: (p.document_version is None, p.document_version or 0)):
            expected = last + 1
            if proposal.document_version is None:
                proposal.document_version = expected
            elif proposal.document_version != expected:
                raise ValidationFailed(
                    f"The next version of this {kind.value} proposal is {expected}, "
                    f"not {proposal.document_version}.",
                    field="document_version",
                )
            for older in earlier:
                if older.status in SUPERSEDED_STATUSES:
                    older.status = ProposalStatus.WITHDRAWN
            earlier.append(proposal)
            last = expected


def _check_stored_identity(proposal: Proposal) -> None:
    if changed(proposal, "document_version", "proposal_type", "service_scope_id", "service_scope"):
        raise ValidationFailed(
            "A proposal keeps its scope, type and version number; create a new version instead.",
            field="document_version",
        )


def _check_one_accepted(changes: PendingChanges, proposal: Proposal) -> None:
    session = changes.session
    scope = _scope_of(session, proposal)
    if scope is None:
        return
    others = [
        p
        for p in changes.saved_of(Proposal)
        if p is not proposal and p.proposal_type is proposal.proposal_type and _scope_of(session, p) is scope
    ]
    others += [p for p in _stored_versions(session, scope, proposal.proposal_type) if p is not proposal]
    accepted = [p for p in others if p.status is ProposalStatus.ACCEPTED]
    if accepted:
        raise ValidationFailed(
            f"Version {accepted[0].document_version} of this {proposal.proposal_type.value} proposal is "
            "already accepted: only one can be.",
            field="status",
        )


def _check_sent(proposal: Proposal) -> None:
    if proposal.status is not ProposalStatus.SENT or not changed(proposal, "status", "valid_until_date"):
        return
    today = today_utc()
    if proposal.valid_until_date is None or proposal.valid_until_date <= today:
        raise ValidationFailed(
            "A sent proposal needs a valid-until date in the future.", field="valid_until_date"
        )


def _check_assignee(session: Session, proposal: Proposal) -> None:
    if not changed(proposal, "assignee_id", "assignee"):
        return
    user = related(session, proposal, "assignee", "assignee_id", MsspUser)
    if user is not None and not user.active:
        raise ValidationFailed(f"{user} is not an active user and cannot be the assignee.", field="assignee")


def check_proposal_changes(changes: PendingChanges) -> None:
    """Flush hook: numbering and superseding of new versions, then the per-proposal rules."""
    for proposal in changes.dirty_of(Proposal):
        _check_stored_identity(proposal)
    _number_new_versions(changes)
    for proposal in changes.saved_of(Proposal):
        if proposal.status is ProposalStatus.ACCEPTED and changed(proposal, "status"):
            _check_one_accepted(changes, proposal)
        _check_sent(proposal)
        _check_assignee(changes.session, proposal)


# --- actions and queries -----------------------------------------------------------------------


def next_version_number(scope: ServiceScope, kind: ProposalType, session: Session | None = None) -> int:
    """The `document_version` the next proposal of this kind for `scope` gets."""
    session = session_or_default(session)
    last = session.scalar(
        select(func.max(Proposal.document_version)).where(
            Proposal.service_scope_id == scope.id, Proposal.proposal_type == kind
        )
    )
    return (last or 0) + 1


def new_proposal_version(proposal: Proposal, session: Session | None = None, **changes: Any) -> Proposal:
    """A DRAFT copy of `proposal` as the next version (with `changes` applied); commits.

    The earlier versions still open (or accepted) become WITHDRAWN.
    """
    session = session_or_default(session)
    with unit_of_work(session):
        values = {
            "service_scope_id": proposal.service_scope_id,
            "proposal_type": proposal.proposal_type,
            "document_link": proposal.document_link,
            "proposed_value": proposal.proposed_value,
            "currency": proposal.currency,
            "valid_until_date": proposal.valid_until_date,
            "assignee_id": proposal.assignee_id,
            "status": ProposalStatus.DRAFT,
        }
        successor = Proposal(**(values | changes))
        session.add(successor)
        session.flush()
    return successor
