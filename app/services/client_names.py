"""Company names are unique ignoring case and surrounding spaces ("Acme" and " acme " clash).

The database holds the rule (unique index `uq_clients_company_name_ci` on
`lower(btrim(company_name))`, migration 0021); this flush hook says it first, naming the
client that already has the name, so a form or the API gets a message on the field.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.errors import ValidationFailed
from app.models.clients import Client
from app.services.orm_state import PendingChanges, changed


def name_key(name: str) -> str:
    """What two company names are compared by."""
    return name.strip().lower()


def check_client_name_changes(changes: PendingChanges) -> None:
    """Flush hook: a new or renamed client's name is not another client's, ignoring case and spaces.

    One query for every name of the flush (an import writes hundreds of clients per flush)."""
    saved = [c for c in changes.saved_of(Client) if c.company_name and changed(c, "company_name")]
    if not saved:
        return
    keys = sorted({name_key(c.company_name) for c in saved})
    stored: dict[str, list[Client]] = {}
    for start in range(0, len(keys), 1000):
        stored_key = func.lower(func.btrim(Client.company_name))
        query = select(Client, stored_key).where(stored_key.in_(keys[start : start + 1000]))
        # Keyed by the name as stored (a client renamed in this flush still holds its old one).
        for row, key in changes.session.execute(query):
            stored.setdefault(key, []).append(row)
    seen: dict[str, Client] = {}
    for client in saved:
        key = name_key(client.company_name)
        twin = seen.get(key)
        if twin is None:
            twin = next(
                (
                    row
                    for row in stored.get(key, [])
                    if row is not client and (client.id is None or row.id != client.id)
                ),
                None,
            )
        if twin is not None and twin is not client:
            raise ValidationFailed(
                f"A client named {twin.company_name!r} already exists (names are compared ignoring "
                "case and surrounding spaces).",
                field="company_name",
            )
        seen[key] = client
