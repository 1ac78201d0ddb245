"""Who looks after a client: one holder of each lead role, and the account manager in one call.

A client has at most one account manager, one service delivery manager and one lead
engineer (`SINGLE_HOLDER_ROLES`, also a partial unique index); engineers, SOC analysts
and project managers may be several. The same person holds a role for a client once
(unique constraint of the model).
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.models.clients import Client
from app.models.team import AssignmentRole, ClientTeamAssignment
from app.models.users import MsspUser
from app.services.orm_state import PendingChanges, changed, is_new, related
from app.services.transaction import session_or_default, unit_of_work

SINGLE_HOLDER_ROLES = frozenset(
    {AssignmentRole.ACCOUNT_MANAGER, AssignmentRole.SERVICE_DELIVERY_MANAGER, AssignmentRole.LEAD_ENGINEER}
)


def _client_id(client: Client | uuid.UUID) -> uuid.UUID:
    return client.id if isinstance(client, Client) else client


def account_manager_for(client: Client | uuid.UUID, session: Session | None = None) -> MsspUser | None:
    """The client's account manager, or None (one query)."""
    return team_member_for(client, AssignmentRole.ACCOUNT_MANAGER, session)


def team_member_for(
    client: Client | uuid.UUID, role: AssignmentRole, session: Session | None = None
) -> MsspUser | None:
    """The holder of a single-holder role for the client, or None (one query)."""
    session = session_or_default(session)
    return session.scalars(
        select(MsspUser)
        .join(ClientTeamAssignment, ClientTeamAssignment.user_id == MsspUser.id)
        .where(
            ClientTeamAssignment.client_id == _client_id(client), ClientTeamAssignment.assignment_role == role
        )
        .limit(1)
    ).first()


def client_ids_managed_by(user_id: int, role: AssignmentRole = AssignmentRole.ACCOUNT_MANAGER) -> Select:
    """A subquery of the ids of the clients `user_id` holds `role` for (for row filters)."""
    return select(ClientTeamAssignment.client_id).where(
        ClientTeamAssignment.user_id == user_id, ClientTeamAssignment.assignment_role == role
    )


def assign_team_member(
    client: Client, user: MsspUser, role: AssignmentRole, session: Session | None = None
) -> ClientTeamAssignment:
    """Give `user` the `role` for `client`; a lead role changes hands (the old holder goes); commits.

    The handover deletes first and inserts after: in one flush SQLAlchemy would insert
    first, and the single-holder index would refuse the new holder.
    """
    session = session_or_default(session)
    with unit_of_work(session):
        existing = session.scalars(
            select(ClientTeamAssignment).where(
                ClientTeamAssignment.client_id == client.id, ClientTeamAssignment.assignment_role == role
            )
        ).all()
        for assignment in existing:
            if assignment.user_id == user.id:
                return assignment
            if role in SINGLE_HOLDER_ROLES:
                session.delete(assignment)
        session.flush()
        assignment = ClientTeamAssignment(client_id=client.id, user_id=user.id, assignment_role=role)
        session.add(assignment)
        session.flush()
    return assignment


def account_manager_candidates(session: Session) -> list[MsspUser]:
    """Active people holding the Account Manager role, by name (who a client may be handed to)."""
    from app.services.accounts.roles import ACCOUNT_MANAGER

    query = (
        select(MsspUser)
        .where(MsspUser.active.is_(True), MsspUser.roles.any(name=ACCOUNT_MANAGER))
        .order_by(MsspUser.first_name, MsspUser.last_name, MsspUser.email)
    )
    return list(session.scalars(query))


def hand_over(session: Session, client: Client, user: MsspUser | None, role: AssignmentRole) -> bool:
    """Make `user` (None: nobody) the holder of single-holder `role` for `client`, without
    committing (the caller's transaction, e.g. a bulk edit's savepoint). Returns whether
    anything changed. The old holder goes first (see `assign_team_member`)."""
    if role not in SINGLE_HOLDER_ROLES:
        raise ValueError(f"{role.value} may have several holders")
    existing = session.scalars(
        select(ClientTeamAssignment).where(
            ClientTeamAssignment.client_id == client.id, ClientTeamAssignment.assignment_role == role
        )
    ).all()
    if user is not None and any(a.user_id == user.id for a in existing):
        return False
    if user is None and not existing:
        return False
    for assignment in existing:
        session.delete(assignment)
    session.flush()
    if user is not None:
        session.add(ClientTeamAssignment(client_id=client.id, user_id=user.id, assignment_role=role))
        session.flush()
    return True


def check_team_changes(changes: PendingChanges) -> None:
    """Flush hook: one holder per client of each single-holder role."""
    session = changes.session
    saved = changes.saved_of(ClientTeamAssignment)
    for assignment in saved:
        if assignment.assignment_role not in SINGLE_HOLDER_ROLES:
            continue
        if not changed(assignment, "assignment_role", "client_id", "client"):
            continue
        client = related(session, assignment, "client", "client_id", Client)
        if client is None:
            continue
        rivals = [
            other
            for other in saved
            if other is not assignment
            and other.assignment_role is assignment.assignment_role
            and related(session, other, "client", "client_id", Client) is client
        ]
        if not is_new(client):
            rivals += [
                other
                for other in session.scalars(
                    select(ClientTeamAssignment).where(
                        ClientTeamAssignment.client_id == client.id,
                        ClientTeamAssignment.assignment_role == assignment.assignment_role,
                    )
                )
                if other is not assignment
                and other.assignment_role is assignment.assignment_role
                and related(session, other, "client", "client_id", Client) is client
                and other not in changes.deleted
            ]
        if rivals:
            holder = related(session, rivals[0], "user", "user_id", MsspUser)
            role = assignment.assignment_role.value.replace("_", " ")
            raise ValidationFailed(f"{holder} is already the {role} of {client}.", field="assignment_role")


# --- ownership: who holds a client's account ---------------------------------------------


def holds_role(user: MsspUser | None, role_name: str) -> bool:
    """Whether `user` has the application role named `role_name` (e.g. "Account Manager")."""
    return user is not None and any(role.name == role_name for role in getattr(user, "roles", ()) or ())


def claim_client(client: Client, user: MsspUser, session: Session | None = None) -> ClientTeamAssignment:
    """`user` becomes the account manager of an unowned client; commits.

    Refused (ValidationFailed) when `user` is not an account manager or the client already
    has one (a manager reassigns it: `assign_team_member`).
    """
    from app.services.accounts.roles import ACCOUNT_MANAGER

    session = session_or_default(session)
    if not holds_role(user, ACCOUNT_MANAGER):
        raise ValidationFailed("Only an account manager can claim a client.", field="user")
    holder = account_manager_for(client, session)
    if holder is not None and holder.id != user.id:
        raise ValidationFailed(
            f"{holder} is already the account manager of {client}: a manager can reassign it.",
            field="user",
        )
    return assign_team_member(client, user, AssignmentRole.ACCOUNT_MANAGER, session)


def reassign_account_manager(
    client: Client, user: MsspUser, session: Session | None = None
) -> ClientTeamAssignment:
    """Hand the client's account to `user`, who must hold the Account Manager role; commits."""
    from app.services.accounts.roles import ACCOUNT_MANAGER

    if not holds_role(user, ACCOUNT_MANAGER):
        raise ValidationFailed(f"{user} is not an account manager.", field="user")
    return assign_team_member(client, user, AssignmentRole.ACCOUNT_MANAGER, session)


def own_new_clients(changes: PendingChanges) -> None:
    """Flush hook: a client created by an account manager gets them as its account manager.

    Whoever creates the client (screen, API, import) is its `created_by`; an assignment of
    the client's account manager in the same flush wins (nothing is added then).
    """
    from app.services.accounts.roles import ACCOUNT_MANAGER

    session = changes.session
    clients = changes.new_of(Client)
    if not clients:
        return
    managed = {
        id(related(session, assignment, "client", "client_id", Client))
        for assignment in changes.new_of(ClientTeamAssignment)
        if assignment.assignment_role is AssignmentRole.ACCOUNT_MANAGER
    }
    for client in clients:
        if id(client) in managed:
            continue
        creator_id = client.created_by_id or _creating_user_id()
        creator = session.get(MsspUser, creator_id) if creator_id is not None else None
        if holds_role(creator, ACCOUNT_MANAGER):
            session.add(
                ClientTeamAssignment(
                    client=client, user_id=creator.id, assignment_role=AssignmentRole.ACCOUNT_MANAGER
                )
            )


def _creating_user_id() -> int | None:
    """The signed-in person of this request (created_by's default is applied at INSERT)."""
    from app.models.mixins import current_user_id

    return current_user_id()
