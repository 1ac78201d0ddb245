"""Proposals: versions counting up, superseding, one accepted, sending, the assignee."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.errors import ValidationFailed
from app.models.contracts import Proposal, ProposalStatus, ProposalType
from app.services.clock import today_utc
from app.services.proposals import new_proposal_version, next_version_number
from tests.factories import make_scope, make_user

P = ProposalStatus
T = ProposalType


def proposal(session, scope, kind=T.FINANCIAL, **values) -> Proposal:
    item = Proposal(service_scope=scope, proposal_type=kind, **values)
    session.add(item)
    session.commit()
    return item


def versions(session, scope, kind=T.FINANCIAL) -> list[tuple[int, ProposalStatus]]:
    rows = session.scalars(
        select(Proposal)
        .where(Proposal.service_scope_id == scope.id, Proposal.proposal_type == kind)
        .order_by(Proposal.document_version)
    )
    return [(p.document_version, p.status) for p in rows]


def test_versions_count_up_per_scope_and_type(db_session):
    scope = make_scope(db_session)
    assert [proposal(db_session, scope).document_version for _ in range(3)] == [1, 2, 3]
    assert proposal(db_session, scope, T.TECHNICAL).document_version == 1
    assert proposal(db_session, make_scope(db_session)).document_version == 1
    assert next_version_number(scope, T.FINANCIAL, session=db_session) == 4


def test_an_explicit_version_must_be_the_next_one(db_session):
    scope = make_scope(db_session)
    proposal(db_session, scope, document_version=1)
    for wrong in (1, 3):
        db_session.add(Proposal(service_scope=scope, proposal_type=T.FINANCIAL, document_version=wrong))
        with pytest.raises(ValidationFailed, match=f"next version .* is 2, not {wrong}") as refused:
            db_session.commit()
        assert refused.value.field == "document_version"
        db_session.rollback()
    assert versions(db_session, scope) == [(1, P.DRAFT)]


def test_a_stored_proposal_keeps_its_number(db_session):
    item = proposal(db_session, make_scope(db_session))
    item.document_version = 5
    with pytest.raises(ValidationFailed, match="create a new version instead"):
        db_session.commit()
    db_session.rollback()


def test_a_new_version_supersedes_the_open_and_accepted_ones(db_session):
    scope = make_scope(db_session)
    proposal(db_session, scope, status=P.REJECTED)
    proposal(db_session, scope, status=P.SENT, valid_until_date=today_utc() + timedelta(days=5))
    proposal(db_session, scope, T.TECHNICAL, status=P.ACCEPTED)
    proposal(db_session, scope)
    assert versions(db_session, scope) == [(1, P.REJECTED), (2, P.WITHDRAWN), (3, P.DRAFT)]
    assert versions(db_session, scope, T.TECHNICAL) == [(1, P.ACCEPTED)]  # another type: untouched
    proposal(db_session, scope, T.TECHNICAL)
    assert versions(db_session, scope, T.TECHNICAL) == [(1, P.WITHDRAWN), (2, P.DRAFT)]


def test_new_proposal_version_copies_the_last_one(db_session):
    owner = make_user(db_session)
    first = proposal(db_session, make_scope(db_session), proposed_value=1000, currency="EUR", assignee=owner)
    second = new_proposal_version(first, proposed_value=900, session=db_session)
    assert (second.document_version, second.status, second.currency) == (2, P.DRAFT, "EUR")
    assert (second.proposed_value, second.assignee) == (900, owner)
    assert first.status is P.WITHDRAWN


def test_only_one_accepted_proposal_per_scope_and_type(db_session):
    scope = make_scope(db_session)
    accepted = proposal(db_session, scope, status=P.ACCEPTED)
    rejected = proposal(db_session, scope, status=P.REJECTED)
    assert accepted.status is P.WITHDRAWN  # superseded by version 2
    accepted.status = P.ACCEPTED
    db_session.commit()
    rejected.status = P.ACCEPTED
    with pytest.raises(
        ValidationFailed, match="Version 1 of this financial proposal is already accepted"
    ) as refused:
        db_session.commit()
    assert refused.value.field == "status"
    db_session.rollback()
    proposal(db_session, scope, T.TECHNICAL, status=P.ACCEPTED)  # the other type has its own


def test_the_database_keeps_one_accepted_too(db_session):
    scope = make_scope(db_session)
    item = proposal(db_session, scope, status=P.ACCEPTED)
    with pytest.raises(IntegrityError, match="uq_proposals_one_accepted"), db_session.begin_nested():
        db_session.execute(
            text(
                "INSERT INTO proposals (service_scope_id, proposal_type, document_version, status) "
                "VALUES (:s, 'financial', 2, 'accepted')"
            ),
            {"s": item.service_scope_id},
        )


@pytest.mark.parametrize(("days", "ok"), [(1, True), (0, False), (-3, False), (None, False)])
def test_sent_needs_a_valid_until_date_in_the_future(db_session, days, ok):
    item = proposal(db_session, make_scope(db_session))
    item.valid_until_date = None if days is None else today_utc() + timedelta(days=days)
    item.status = P.SENT
    if ok:
        db_session.commit()
        return
    with pytest.raises(ValidationFailed, match="valid-until date in the future") as refused:
        db_session.commit()
    assert refused.value.field == "valid_until_date"
    db_session.rollback()


def test_a_sent_proposal_whose_date_passed_stays_editable(db_session):
    item = proposal(
        db_session, make_scope(db_session), status=P.SENT, valid_until_date=today_utc() + timedelta(days=1)
    )
    db_session.execute(
        text("UPDATE proposals SET valid_until_date = :d WHERE id = :id"),
        {"d": today_utc() - timedelta(days=1), "id": item.id},
    )
    db_session.expire_all()
    item.document_link = "https://docs.example/p.pdf"
    db_session.commit()


def test_the_assignee_is_an_active_user(db_session):
    inactive = make_user(db_session, active=False)
    with pytest.raises(ValidationFailed, match="is not an active user") as refused:
        proposal(db_session, make_scope(db_session), assignee=inactive)
    assert refused.value.field == "assignee"
    db_session.rollback()
    item = proposal(db_session, make_scope(db_session), assignee=make_user(db_session))
    item.assignee_id = inactive.id
    with pytest.raises(ValidationFailed, match="is not an active user"):
        db_session.commit()
    db_session.rollback()
