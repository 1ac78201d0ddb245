"""Every ticket field a query may map reaches the ticket table, on insert and on update.

The values are made from `mapping.TARGET_FIELDS` itself, so a target field added there is
covered here without a change: if the ticket writer dropped it, this test fails.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.integrations.mapping import TARGET_FIELDS, FieldSpec
from app.models.integrations import QueryTarget
from app.models.metrics import TicketSource, TicketSummary
from app.services.sync.ingestion import UpsertCounts, upsert_tickets
from tests.factories import make_client

TICKET_FIELDS = TARGET_FIELDS[QueryTarget.TICKET_SUMMARY]
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def sample(name: str, spec: FieldSpec, variant: int) -> Any:
    """A valid value of the field's kind; variant 0 and 1 differ for every kind."""
    if spec.kind == "string":
        return f"{name} {variant}"[: spec.max_length]
    if spec.kind == "datetime":
        return T0 + timedelta(hours=variant)
    if spec.kind == "date":
        return date(2026, 3, 1 + variant)
    if spec.kind == "float":
        return 1.5 + variant
    if spec.kind == "decimal":
        return Decimal("1.50") + variant
    if spec.kind == "bool":
        return bool(variant)
    members = list(spec.enum_cls)
    return members[-1 - variant]


def stored(session, key: str) -> dict[str, Any]:
    ticket = session.scalars(select(TicketSummary).where(TicketSummary.external_key == key)).one()
    session.refresh(ticket)
    return {name: getattr(ticket, name) for name in TICKET_FIELDS}


def test_every_mapped_ticket_field_is_written_and_updated(db_session):
    client = make_client(db_session, "Fields Corp")

    def row(variant: int) -> dict[str, Any]:
        values = {name: sample(name, spec, variant) for name, spec in TICKET_FIELDS.items()}
        return {**values, "external_key": "FIELDS-1", "client_id": client.id}

    first, second = row(0), row(1)
    counts = upsert_tickets(db_session, TicketSource.JIRA, [first], data_source_id=None)
    assert counts == UpsertCounts(1, 0, 0)
    assert stored(db_session, "FIELDS-1") == {name: first[name] for name in TICKET_FIELDS}
    counts = upsert_tickets(db_session, TicketSource.JIRA, [second], data_source_id=None)
    assert counts == UpsertCounts(0, 1, 0)
    assert stored(db_session, "FIELDS-1") == {name: second[name] for name in TICKET_FIELDS}
