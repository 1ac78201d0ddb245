"""Client counts and the one-client lookups a client dashboard needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.dashboards.queries.common import run


@dataclass(frozen=True)
class ClientSummary:
    client_id: uuid.UUID
    company_name: str
    status: str


def active_client_count(session: Session) -> int:
    """How many clients are active now."""
    return run(session, "SELECT count(*) FROM clients WHERE status = 'active'")[0][0]


def client_summary(session: Session, client_id: uuid.UUID) -> ClientSummary | None:
    """The client's name and status, or None when there is no such client."""
    rows = run(
        session,
        "SELECT id, company_name, status FROM clients WHERE id = CAST(:id AS uuid)",
        {"id": str(client_id)},
    )
    return ClientSummary(*rows[0]) if rows else None


def service_choices(session: Session) -> list[tuple[uuid.UUID, str]]:
    """Every service, for the service filter (id, name), by name."""
    return [(row.id, row.name) for row in run(session, "SELECT id, name FROM services ORDER BY name")]


def search_clients(session: Session, prefix: str, limit: int = 20) -> list[ClientSummary]:
    """Clients whose name starts with `prefix` (case-insensitive), by name; none for an empty prefix."""
    prefix = prefix.strip()
    if not prefix:
        return []
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = run(
        session,
        "SELECT id, company_name, status FROM clients WHERE company_name ILIKE :pattern "
        "ORDER BY company_name LIMIT :limit",
        {"pattern": pattern, "limit": limit},
    )
    return [ClientSummary(*row) for row in rows]
