"""Wires the business rules into every flush, so no screen, API, job or script skips them.

One `before_flush` listener on SQLAlchemy's Session class (so also sessions a job or a
test opens itself) calls each rule module's hook with what the flush is about to write.
A hook raises a `ValidationFailed`; the flush then writes nothing and the session is
left as it was before the flush, for the caller to roll back.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.services.orm_state import PendingChanges

FlushHook = Callable[[PendingChanges], None]


@cache
def flush_hooks() -> tuple[FlushHook, ...]:
    """The hooks, in order: what a later hook reads (dates, details) is settled first."""
    from app.services.client_names import check_client_name_changes
    from app.services.contracts import check_contract_changes
    from app.services.custom_fields.definitions import check_custom_field_changes
    from app.services.finance import check_transaction_changes
    from app.services.hardware import check_hardware_changes
    from app.services.licensing import check_license_changes
    from app.services.proposals import check_proposal_changes
    from app.services.reconciliation.terms import check_service_terms
    from app.services.saf import check_saf_changes
    from app.services.scopes import check_scope_changes
    from app.services.team import check_team_changes, own_new_clients
    from app.services.text_values import check_text_changes

    return (
        # First: every later hook reads trimmed text.
        check_text_changes,
        check_client_name_changes,
        check_scope_changes,
        check_service_terms,
        check_contract_changes,
        check_saf_changes,
        check_proposal_changes,
        check_license_changes,
        check_hardware_changes,
        check_transaction_changes,
        # A client an account manager creates is theirs (adds its team assignment).
        own_new_clients,
        check_team_changes,
        # Last: values other hooks copy (a renewal copies its contract's) are checked too.
        check_custom_field_changes,
    )


def enforce_business_rules(session: Session, _flush_context: Any, _instances: Any) -> None:
    """The `before_flush` listener."""
    if not (session.new or session.dirty or session.deleted):
        return
    changes = PendingChanges.of(session)
    with session.no_autoflush:
        for hook in flush_hooks():
            hook(changes)


def init_business_rules(app: Flask) -> None:
    """Register the listener once per process (idempotent: create_app may run many times)."""
    flush_hooks()  # import the rule modules now, not in the middle of the first flush
    if not event.contains(Session, "before_flush", enforce_business_rules):
        event.listen(Session, "before_flush", enforce_business_rules)
