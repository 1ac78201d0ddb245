"""Lifecycle actions that replace deletes: archive a client, terminate a contract.

Each takes a batch, refuses the whole batch with a DomainError when one record may not
make the move (nothing changes then), and returns how many records changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.models.clients import Client, ClientStatus
from app.models.contracts import Contract, ContractStatus
from app.services.contract_counting import counts
from app.services.transaction import session_or_default, unit_of_work


def archive_clients(clients: Sequence[Client], session: Session | None = None) -> int:
    """Archive clients that have no active contract; already archived ones are left alone."""
    session = session_or_default(session)
    to_archive = [c for c in clients if c.status is not ClientStatus.ARCHIVED]
    if to_archive:
        active = dict(
            session.execute(
                select(Contract.client_id, func.count())
                .where(Contract.client_id.in_([c.id for c in to_archive]))
                .where(counts())
                .group_by(Contract.client_id)
            ).all()
        )
        blocked = [c for c in to_archive if active.get(c.id)]
        if blocked:
            client = blocked[0]
            raise ValidationFailed(
                f"{client.company_name} still has {active[client.id]} active contract(s): "
                "terminate them or let them end before archiving the client.",
                field="status",
            )
    with unit_of_work(session):
        for client in to_archive:
            client.status = ClientStatus.ARCHIVED
    return len(to_archive)


def terminate_contracts(contracts: Sequence[Contract], session: Session | None = None) -> int:
    """End active contracts early (status TERMINATED); other statuses are refused."""
    session = session_or_default(session)
    pending = [c for c in contracts if c.status is not ContractStatus.TERMINATED]
    for contract in pending:
        if contract.status is not ContractStatus.ACTIVE:
            raise ValidationFailed(
                f"Contract {contract.contract_name!r} is {contract.status.value}: only an active "
                "contract can be terminated.",
                field="status",
            )
    with unit_of_work(session):
        for contract in pending:
            contract.status = ContractStatus.TERMINATED
    return len(pending)
