"""Who may see which dashboard figures.

Every role with `can_read` on "Dashboard" sees the operational charts (SLA,
tickets, service health, licenses) for every client. Money (revenue, cost,
margin, MRR, contract values, renewals with their value) is narrower:

- Admin and Manager: every client and the MSSP-wide totals.
- Account Manager: only the clients they are on the team of (any
  ClientTeamAssignment role); their overview's money charts add up those
  clients only, and a money chart of another client answers 403.
- Engineer, or any other role: no money at all.

A person holding several roles gets the widest of them.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.team import ClientTeamAssignment
from app.services.accounts.roles import ACCOUNT_MANAGER, ADMIN, MANAGER


class FinanceScope(enum.Enum):
    ALL = "all"
    ASSIGNED = "assigned"
    NONE = "none"


@dataclass(frozen=True)
class DashboardAccess:
    finance: FinanceScope
    assigned_client_ids: frozenset[uuid.UUID] = frozenset()

    @property
    def sees_finance(self) -> bool:
        """Whether any money chart is shown at all."""
        return self.finance is not FinanceScope.NONE

    def may_see_finance_of(self, client_id: uuid.UUID | None) -> bool:
        """Money of one client (or, for None, the totals this person may see)."""
        if self.finance is FinanceScope.ALL:
            return True
        if self.finance is FinanceScope.ASSIGNED:
            return client_id is None or client_id in self.assigned_client_ids
        return False

    def finance_client_ids(self, client_id: uuid.UUID | None) -> frozenset[uuid.UUID] | None:
        """The clients a money query must be limited to; None means no limit (all clients)."""
        if client_id is not None:
            return frozenset({client_id})
        if self.finance is FinanceScope.ALL:
            return None
        return self.assigned_client_ids


def finance_scope_for(role_names: Iterable[str]) -> FinanceScope:
    """The widest money scope the given roles grant."""
    names = set(role_names)
    if names & {ADMIN, MANAGER}:
        return FinanceScope.ALL
    if ACCOUNT_MANAGER in names:
        return FinanceScope.ASSIGNED
    return FinanceScope.NONE


def access_for(session: Session, user_id: int, role_names: Iterable[str]) -> DashboardAccess:
    """What the user with `user_id` and these roles may see on the dashboards."""
    scope = finance_scope_for(role_names)
    if scope is not FinanceScope.ASSIGNED:
        return DashboardAccess(scope)
    assigned = session.scalars(
        select(ClientTeamAssignment.client_id).where(ClientTeamAssignment.user_id == user_id).distinct()
    )
    return DashboardAccess(scope, frozenset(assigned))
